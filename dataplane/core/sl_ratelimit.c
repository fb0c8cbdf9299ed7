/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: implemented in the issue 5 work */
#include "sl_ratelimit.h"
