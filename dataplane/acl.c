/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: implemented in the issue 5 work */
#include <rte_acl.h>
#include "acl.h"
