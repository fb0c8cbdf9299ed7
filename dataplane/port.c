/* SPDX-License-Identifier: BSD-3-Clause
 * Ports: one RX and one TX queue per worker (RSS on when the device has
 * it). The main lcore owns no queue (net_tap wants as many TX queues as RX
 * queues, and an unpolled RX queue would lose packets): what it sends goes
 * through worker 0 (SL main_tx ring).
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "dp.h"

#define RX_DESC	1024
#define TX_DESC	1024

/* The ethdev name of a configured device: a vdev string up to its first
 * comma, or the PCI address. */
static void
dev_name(const char *dev, char *name, size_t len)
{
	size_t n = strcspn(dev, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, dev, n);
	name[n] = '\0';
}

static int
port_configure(struct sl_dp *dp, uint32_t idx, uint16_t pid)
{
	const struct sl_port_conf *pc = &dp->cfg.ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nq = (uint16_t)dp->nb_workers, q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc < 0)
		return rc;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		SL_LOG(port, ERR, "port %s: needs %u rx and tx queues, has %u/%u",
		       pc->name, nq, info.max_rx_queues,
		       info.max_tx_queues);
		return -ENOTSUP;
	}
	if (nq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(pid, nq, nq, &conf);
	if (rc < 0)
		return rc;
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, RX_DESC,
					    rte_eth_dev_socket_id(pid), NULL,
					    dp->pool);
		if (rc < 0)
			return rc;
	}
	for (q = 0; q < nq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, TX_DESC,
					    rte_eth_dev_socket_id(pid), NULL);
		if (rc < 0)
			return rc;
	}
	if (pc->has_mac) {
		memcpy(mac.addr_bytes, pc->mac, 6);
		rc = rte_eth_dev_default_mac_addr_set(pid, &mac);
		if (rc < 0) {
			/* We write our source MAC ourselves; to receive frames
			 * sent to it the device must not filter them. */
			SL_LOG(port, WARNING, "port %s: device cannot take MAC %s "
			       "(%s): using it in software, promiscuous",
			       pc->name, "from config", rte_strerror(-rc));
			rte_eth_promiscuous_enable(pid);
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc < 0)
		return rc;
	/* Solicited-node multicast (IPv6 ND) must reach us. */
	rte_eth_allmulticast_enable(pid);
	return 0;
}

static void
port_publish(struct sl_dp *dp, uint32_t idx, uint16_t pid)
{
	const struct sl_port_conf *pc = &dp->cfg.ports[idx];
	struct sl_shm_port *sp = &dp->shm->ports[idx];
	struct rte_ether_addr mac;

	if (pc->has_mac)
		memcpy(mac.addr_bytes, pc->mac, 6);
	else
		rte_eth_macaddr_get(pid, &mac);
	snprintf(sp->name, sizeof(sp->name), "%s", pc->name);
	sp->port_id = pid;
	memcpy(sp->mac, mac.addr_bytes, 6);
	sp->vlan = pc->vlan;
	sp->nb_addrs = pc->nb_addrs;
	memcpy(sp->addrs, pc->addrs, sizeof(sp->addrs));
	sp->nb_snat = pc->nb_snat;
	memcpy(sp->snat, pc->snat, sizeof(sp->snat));
}

int
sl_ports_init(struct sl_dp *dp)
{
	uint32_t i, nb_mbufs;
	uint16_t pid;
	char name[RTE_ETH_NAME_MAX_LEN];
	int rc;

	/* Enough for every RX ring, TX ring, handoff ring and burst. */
	nb_mbufs = dp->cfg.dp.mbufs * dp->cfg.nb_ports +
		   dp->nb_workers * SL_HANDOFF_RING_SIZE;
	dp->pool = rte_pktmbuf_pool_create("sl_mbuf", nb_mbufs, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   rte_socket_id());
	if (dp->pool == NULL) {
		SL_LOG(port, ERR, "mbuf pool of %u: %s", nb_mbufs,
		       rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (i = 0; i < dp->cfg.nb_ports; i++) {
		dev_name(dp->cfg.ports[i].dev, name, sizeof(name));
		if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
			SL_LOG(port, ERR, "port %s: no device '%s' (dev = %s)",
			       dp->cfg.ports[i].name, name,
			       dp->cfg.ports[i].dev);
			return -ENODEV;
		}
		rc = port_configure(dp, i, pid);
		if (rc < 0) {
			SL_LOG(port, ERR, "port %s: %s", dp->cfg.ports[i].name,
			       rte_strerror(-rc));
			return rc;
		}
		dp->port_ids[i] = pid;
		port_publish(dp, i, pid);
		dp->nb_ports = i + 1;
	}
	dp->shm->nb_ports = dp->nb_ports;
	return 0;
}

void
sl_ports_stop(struct sl_dp *dp)
{
	uint32_t i;

	for (i = 0; i < dp->nb_ports; i++) {
		rte_eth_dev_stop(dp->port_ids[i]);
		rte_eth_dev_close(dp->port_ids[i]);
	}
	dp->nb_ports = 0;
}
