/* SPDX-License-Identifier: BSD-3-Clause */
#include "sl_shm.h"

/* In the order of struct sl_worker_stats (checked in sl_shm.h). */
const char *const sl_worker_fields[SL_WORKER_FIELDS] = {
	"rx_pkts", "rx_bytes", "tx_pkts", "tx_bytes", "fwd_pkts", "rev_pkts",
	"replied", "to_main", "handoff_out", "handoff_in", "new_flows",
	"expired_flows", "flows_active",
};
