// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * network.inbound.*: what arrives, per source address, counted at tc/tcx
 * ingress before any socket is involved (SYNs to closed ports, scans,
 * floods), plus the resets the host answers to SYNs for closed ports.
 * The ingress program never changes or drops a packet: it always hands the
 * packet on (TCX_NEXT, which is also TC_ACT_UNSPEC for a clsact filter).
 */
#include "common.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IP_FRAGMENT_OFFSET 0x1FFF

const struct inbound_key *unused_inbound_key __attribute__((unused));
const struct inbound_counts *unused_inbound_counts __attribute__((unused));

/*
 * Per CPU, so a flood from one source does not bounce one cache line
 * between CPUs; least recently used sources make room for new ones (each
 * insert is counted, user space reports inserts it did not drain as
 * evicted). User space sizes it (probes.inbound.max_sources).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct inbound_key);
	__type(value, struct inbound_counts);
} inbound_sources SEC(".maps");

/* The window the programs count into; user space advances it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inbound_window SEC(".maps");

static __always_inline struct inbound_counts *source_counts(struct inbound_key *k, bool create)
{
	__u32 zero = 0, *window = bpf_map_lookup_elem(&inbound_window, &zero);
	struct inbound_counts *c;

	if (!window)
		return NULL;
	k->window = *window;
	c = bpf_map_lookup_elem(&inbound_sources, k);
	if (c || !create)
		return c;
	{
		struct inbound_counts fresh = {};

		if (bpf_map_update_elem(&inbound_sources, k, &fresh, BPF_NOEXIST) == 0)
			count(COUNTER_INBOUND_NEW + (k->window & 1));
	}
	return bpf_map_lookup_elem(&inbound_sources, k);
}

SEC("tc")
int bpfaudit_inbound(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct inbound_key k = {};
	struct inbound_counts *c;
	__u16 proto = __builtin_bswap16(skb->protocol), port = 0;
	__u8 l4 = 0;
	void *l4h = NULL;
	bool syn = false;

	/* the kernel untags one VLAN header before ingress; a second (QinQ) is left in place */
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		count(COUNTER_INBOUND_VLAN);
		return TCX_NEXT;
	}
	if (proto == ETH_P_IP) {
		struct iphdr *ip = data + sizeof(struct ethhdr);
		__u32 ihl;

		if ((void *)(ip + 1) > end || ip->version != 4)
			return TCX_NEXT;
		k.family = AF_INET;
		__builtin_memcpy(k.addr, &ip->saddr, 4);
		ihl = (ip->ihl & 0xF) * 4;
		/* only a packet's first fragment carries the ports */
		if (ihl >= sizeof(*ip) && !(ip->frag_off & __builtin_bswap16(IP_FRAGMENT_OFFSET))) {
			l4 = ip->protocol;
			l4h = (void *)ip + ihl;
		}
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

		if ((void *)(ip6 + 1) > end)
			return TCX_NEXT;
		k.family = AF_INET6;
		__builtin_memcpy(k.addr, &ip6->saddr, 16);
		/* behind extension headers the packet is counted without its port */
		l4 = ip6->nexthdr;
		l4h = ip6 + 1;
	} else {
		return TCX_NEXT;
	}
	if (l4 == IPPROTO_TCP) {
		struct tcphdr *th = l4h;

		if ((void *)(th + 1) <= end) {
			port = __builtin_bswap16(th->dest);
			syn = th->syn && !th->ack;
		}
	} else if (l4 == IPPROTO_UDP) {
		struct udphdr *uh = l4h;

		if ((void *)(uh + 1) <= end)
			port = __builtin_bswap16(uh->dest);
	}
	k.ifindex = skb->ifindex;
	c = source_counts(&k, true);
	if (!c)
		return TCX_NEXT;
	c->packets++;
	c->bytes += skb->len;
	if (syn)
		c->syns++;
	if (port) {
		__u64 bit = 1ULL << (port & 63);
		__u32 word = (port % INBOUND_PORT_BITS) / 64;

		if (!(c->ports[word] & bit))
			c->ports[word] |= bit;
	}
	return TCX_NEXT;
}

/*
 * The host answers a SYN for a port nobody listens on with a reset sent
 * from no socket, in the softirq that received the SYN (whose interface is
 * skb_iif). Counted only for sources the ingress program already counts.
 */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(bpfaudit_inbound_reset, const struct sock *sk, const struct sk_buff *skb)
{
	const struct sk_buff *s = kernel_view(skb, struct sk_buff);
	struct inbound_key k = {};
	struct inbound_counts *c;
	struct tcphdr th;
	__u8 version;
	void *head;

	if (sk || !skb)
		return 0;
	head = s->head;
	if (bpf_probe_read_kernel(&th, sizeof(th), head + s->transport_header) || !th.syn || th.ack)
		return 0;
	if (bpf_probe_read_kernel(&version, 1, head + s->network_header))
		return 0;
	if (version >> 4 == 4) {
		k.family = AF_INET;
		bpf_probe_read_kernel(k.addr, 4, head + s->network_header + offsetof(struct iphdr, saddr));
	} else if (version >> 4 == 6) {
		k.family = AF_INET6;
		bpf_probe_read_kernel(k.addr, 16, head + s->network_header + offsetof(struct ipv6hdr, saddr));
	} else {
		return 0;
	}
	k.ifindex = s->skb_iif;
	c = source_counts(&k, false);
	if (c)
		c->closed_syns++;
	return 0;
}
