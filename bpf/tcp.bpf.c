// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * network.tcp.connect / accept / close.
 *
 * inet_sock_set_state fires in the connecting process only for the
 * CLOSE -> SYN_SENT transition; every later transition may run in softirq,
 * where the current task is whoever was interrupted. So the owner is recorded
 * where it is known (SYN_SENT for connect, the accept syscalls for accept) in
 * sock_owners, and read back at ESTABLISHED and CLOSE.
 */
#include "common.bpf.h"

#define IPPROTO_TCP 6
#define ECONNABORTED 103

const volatile bool emit_connect = true;
const volatile bool emit_accept = true;
const volatile bool emit_close = true;

struct sock_owner {
	struct proc_ctx proc;
	__u64 established_ns; /* 0 until the handshake completes */
	__u8 has_owner;       /* 0 for an accepted child not yet returned by accept */
	__u8 direction;
	__u8 pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

const struct tcp_event *unused_tcp_event __attribute__((unused));

static __always_inline bool is_tcp_inet(const struct sock *sk)
{
	return is_inet_proto(sk, IPPROTO_TCP);
}

static __always_inline bool fin_received(const struct sock *sk)
{
	unsigned long flags = kernel_view(sk, struct sock)->__sk_common.skc_flags;

	return flags & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE));
}

static __always_inline void fill_tuple(struct tcp_event *e, const struct sock *sk)
{
	e->family = kernel_view(sk, struct sock)->__sk_common.skc_family;
	e->lport = sock_local_port(sk);
	e->rport = __builtin_bswap16(kernel_view(sk, struct sock)->__sk_common.skc_dport);
	read_sock_addrs(sk, e->family, e->laddr, e->raddr);
}

/* Records are built here: with the fold key they are too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_event);
} tcp_scratch SEC(".maps");

static __always_inline void emit_tcp(__u32 type, const struct sock *sk,
				     const struct sock_owner *o, __u32 error, __u32 flags)
{
	__u32 zero = 0;
	struct tcp_event *e = bpf_map_lookup_elem(&tcp_scratch, &zero);
	struct runtime_config *rt = runtime_config();
	struct fold_value add = {};
	struct net_view nv;

	if (!e)
		return;
	fill_header(&e->hdr, type, sizeof(*e));
	e->proc = o->proc;
	fill_tuple(e, sk);
	fill_net_view(&nv, e->family, e->raddr, e->lport, e->rport);
	if (ignored(type, &e->proc, &nv))
		return;
	e->direction = o->direction;
	e->error = error;
	e->flags = flags;
	e->duration_ns = 0;
	e->bytes_sent = 0;
	e->bytes_received = 0;
	if (type == EVENT_TCP_CLOSE) {
		const struct tcp_sock *tp = kernel_view(sk, struct tcp_sock);

		e->duration_ns = o->established_ns ? e->hdr.ktime - o->established_ns : 0;
		/* payload only: bytes_acked would count SYN and FIN, bytes_sent counts retransmits */
		e->bytes_sent = tp->bytes_sent - tp->bytes_retrans;
		/*
		 * rcv_nxt, and so bytes_received, advanced by one for a FIN taken
		 * in order. Only tcp_fin() sets SOCK_DONE; RCV_SHUTDOWN is also set
		 * by our own close() or shutdown(SHUT_RD), with no FIN received.
		 */
		e->bytes_received = tp->bytes_received;
		if (fin_received(sk) && e->bytes_received)
			e->bytes_received -= 1;
	}
	e->folded = 0;
	__builtin_memset(&e->key, 0, sizeof(e->key));
	if (rt && (rt->fold_types & (1U << type))) {
		__u16 port = o->direction == DIRECTION_INBOUND ? e->lport : e->rport;

		fold_key_of(&e->key, type, &e->proc, e->family, e->raddr, port, error, o->direction, rt->fold_keys);
		add.window_start = e->hdr.ktime;
		add.count = 1;
		add.a = e->bytes_sent;
		add.b = e->bytes_received;
		if (fold_occurrence(&e->key, &add, rt->fold_window_ns) == FOLD_COUNTED)
			return;
		e->folded = 1;
	}
	emit(e, sizeof(*e), type);
}

/*
 * An event whose process is not known is still a record: the socket's
 * addresses and namespace, flagged, and counted by kind.
 */
static __always_inline void emit_unowned(__u32 type, const struct sock *sk, struct sock_owner *o,
					 __u32 error, __u32 flags)
{
	o->proc.netns = kernel_view(sk, struct sock)->__sk_common.skc_net.net->ns.inum;
	count(COUNTER_NO_OWNER + type);
	emit_tcp(type, sk, o, error, flags | TCP_FLAG_NO_OWNER);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(bpfaudit_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;
	struct sock_owner *o;

	/* half the transitions of a connection (FIN_WAIT*, CLOSE_WAIT, LAST_ACK, ...) say nothing we record */
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return 0;
	if (!BTF_SOCK_IS(sk, AF_INET, IPPROTO_TCP))
		return 0;

	if (newstate == TCP_SYN_SENT) {
		struct sock_owner fresh = {};

		fill_proc(&fresh.proc);
		fresh.has_owner = 1;
		fresh.direction = DIRECTION_OUTBOUND;
		bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_ANY);
		return 0;
	}

	o = bpf_map_lookup_elem(&sock_owners, &key);
	if (newstate == TCP_ESTABLISHED) {
		if (oldstate == TCP_SYN_SENT) {
			/* connecting before the probes were attached, or an evicted entry: no owner known */
			if (!o) {
				struct sock_owner fresh = {};

				fresh.direction = DIRECTION_OUTBOUND;
				fresh.established_ns = bpf_ktime_get_boot_ns();
				if (emit_connect)
					emit_unowned(EVENT_TCP_CONNECT, sk, &fresh, 0, 0);
				bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_NOEXIST);
				return 0;
			}
			o->established_ns = bpf_ktime_get_boot_ns();
			if (emit_connect)
				emit_tcp(EVENT_TCP_CONNECT, sk, o, 0, 0);
		} else if (!o) {
			/* passive open: the owner is filled in by accept */
			struct sock_owner fresh = {};

			fresh.established_ns = bpf_ktime_get_boot_ns();
			fresh.direction = DIRECTION_INBOUND;
			bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_NOEXIST);
		}
		return 0;
	}

	if (newstate != TCP_CLOSE)
		return 0;
	if (!o) {
		struct sock_owner fresh = {};

		/* a connection that predates the probes (or an evicted entry); a listener's close is not one */
		if (oldstate == TCP_SYN_SENT && emit_connect)
			emit_unowned(EVENT_TCP_CONNECT, sk, &fresh, kernel_view(sk, struct sock)->sk_err ?: ECONNABORTED, 0);
		else if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV && oldstate != TCP_LISTEN && emit_close)
			emit_unowned(EVENT_TCP_CLOSE, sk, &fresh, 0, TCP_FLAG_START_UNKNOWN);
		return 0;
	}
	if (oldstate == TCP_SYN_SENT) {
		__u32 err = kernel_view(sk, struct sock)->sk_err;

		if (emit_connect)
			emit_tcp(EVENT_TCP_CONNECT, sk, o, err ? err : ECONNABORTED, 0);
	} else if (o->established_ns && emit_close) {
		/* no process seen taking it: never accepted, or accepted by a path we cannot follow */
		if (o->has_owner)
			emit_tcp(EVENT_TCP_CLOSE, sk, o, 0, 0);
		else
			emit_unowned(EVENT_TCP_CLOSE, sk, o, 0, 0);
	}
	bpf_map_delete_elem(&sock_owners, &key);
	return 0;
}

static __always_inline void claim_accepted(struct sock_owner *o, struct task_struct *task,
					   const struct sock *sk)
{
	fill_proc(&o->proc);
	o->has_owner = 1;
	o->direction = DIRECTION_INBOUND;
	if (emit_accept)
		emit_tcp(EVENT_TCP_ACCEPT, sk, o, 0, 0);
}

/* Runs in the accepting process: the only place an accept has the right owner. */
static __always_inline int on_accept(const struct sock *sk)
{
	struct task_struct *task = current_task();
	struct sock_owner *o, fresh = {};
	__u64 key;

	if (!sk || !is_tcp_inet(sk))
		return 0;
	key = (__u64)sk;
	o = bpf_map_lookup_elem(&sock_owners, &key);
	if (o) {
		claim_accepted(o, task, sk);
		return 0;
	}
	/* handshake done before the probes were attached, or the entry was evicted */
	fresh.established_ns = bpf_ktime_get_boot_ns();
	claim_accepted(&fresh, task, sk);
	bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_ANY);
	return 0;
}

#define IORING_FILE_INDEX_ALLOC (~0U)
#define FFS_FLAGS 3UL /* io_uring keeps flags in the low bits of a fixed file's pointer */

/* The socket in slot `slot` of a ring's fixed-file table (kernels whose table holds io_rsrc_nodes). */
static __always_inline const struct sock *ring_file_sock(struct io_ring_ctx *ring, __u32 slot)
{
	struct io_rsrc_node **nodes, *node = NULL;
	struct socket *sock;
	struct file *file;

	/* an older table layout: the accept goes unrecorded, counted; its close says "no owner" */
	if (!bpf_core_field_exists(ring->file_table.data) || slot >= BPF_CORE_READ(ring, file_table.data.nr)) {
		count(COUNTER_NO_OWNER + EVENT_TCP_ACCEPT);
		return NULL;
	}
	nodes = BPF_CORE_READ(ring, file_table.data.nodes);
	bpf_probe_read_kernel(&node, sizeof(node), &nodes[slot]);
	if (!node)
		return NULL;
	file = (struct file *)(BPF_CORE_READ(node, file_ptr) & ~FFS_FLAGS);
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/*
 * io_uring's accept (IORING_OP_ACCEPT) never passes through the accept
 * syscalls. Its completion runs in the ring owner's context (the submitting
 * task, or one of its io-wq/sqpoll threads, which share its files), and the
 * new descriptor is installed before the completion is posted.
 */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(bpfaudit_uring_complete, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	struct io_kiocb *r = req;
	struct io_accept *acc = (struct io_accept *)&r->cmd;
	__u32 slot;
	__s32 res;

	if (BPF_CORE_READ(r, opcode) != bpf_core_enum_value(enum io_uring_op, IORING_OP_ACCEPT))
		return 0;
	res = BPF_CORE_READ(cqe, res);
	if (res < 0)
		return 0;
	slot = BPF_CORE_READ(acc, file_slot);
	if (!slot)
		return on_accept(sock_of_fd(current_task(), res));
	/* a direct descriptor: a slot of the ring's own file table, named by the answer when allocated */
	return on_accept(ring_file_sock(ring, slot == IORING_FILE_INDEX_ALLOC ? (__u32)res : slot - 1));
}

SEC("tp/syscalls/sys_exit_accept4")
int bpfaudit_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept(sock_of_fd(current_task(), ctx->ret));
}

SEC("tp/syscalls/sys_exit_accept")
int bpfaudit_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept(sock_of_fd(current_task(), ctx->ret));
}
