// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * network.tcp.connect / accept / close.
 *
 * inet_sock_set_state fires in the connecting process only for the
 * CLOSE -> SYN_SENT transition; every later transition may run in softirq,
 * where the current task is whoever was interrupted. So the owner is recorded
 * where it is known (SYN_SENT for connect, the accept syscalls for accept)
 * and read back at ESTABLISHED and CLOSE.
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

/*
 * Owners live in a plain array, one slot per hash of the socket's address,
 * taken by one compare-and-swap: with an LRU hash insert and delete for
 * each end, the state program cost 3.3 µs per connection here instead of
 * 2.4 (bpf_stats, the bench's loop). The slot's
 * word holds the socket's address, whose low bits (an aligned object) carry
 * the states below. A socket whose slot another live socket holds keeps its
 * owner in the LRU hash instead.
 *
 * One socket's state transitions are serialized by its lock; its accept is
 * not: the connection may be closing in softirq while the accepting process
 * writes the owner. The accept writes under OWNER_WRITING; a close that
 * finds it so records the close without an owner (flagged and counted,
 * never another socket's), marks it OWNER_CLOSING and leaves the slot for
 * the accept to free.
 */
#define OWNER_WRITING 1ULL
#define OWNER_CLOSING 2ULL

struct owner_slot {
	__u64 word; /* the socket's address | state, 0 when free */
	struct sock_owner o;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* user space resizes this before load (config: limits.socket_owner_slots) and sets the mask */
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct owner_slot);
} owner_slots SEC(".maps");

const volatile __u32 owner_slot_mask = 65536 - 1;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

/*
 * The verifier keeps a socket pointer typed, and a typed pointer cannot be
 * hashed; its value read back from map memory is a plain number.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} addr_cell SEC(".maps");

static __always_inline __u64 sock_key(const struct sock *sk)
{
	__u32 zero = 0;
	volatile __u64 *cell = bpf_map_lookup_elem(&addr_cell, &zero);

	if (!cell)
		return 0;
	*cell = (__u64)sk;
	return *cell;
}

static __always_inline struct owner_slot *owner_slot_of(__u64 sk)
{
	__u32 key = (__u32)((sk * 0x9E3779B97F4A7C15ULL) >> 32) & owner_slot_mask;

	return bpf_map_lookup_elem(&owner_slots, &key);
}

/*
 * Takes sk's slot, marked with state, when free (or, with reuse_stale, when
 * it holds exactly sk: a socket at this address whose close we did not
 * see); the owner is then zeroed for the caller to fill. Otherwise NULL,
 * and *held says who has it.
 */
static __always_inline struct owner_slot *owner_claim(__u64 sk, __u64 state, bool reuse_stale, __u64 *held)
{
	struct owner_slot *s = owner_slot_of(sk);

	*held = ~0ULL;
	if (!s)
		return NULL;
	*held = __sync_val_compare_and_swap(&s->word, 0, sk | state);
	if (*held && !(reuse_stale && *held == sk))
		return NULL;
	__builtin_memset(&s->o, 0, sizeof(s->o));
	return s;
}

static __always_inline bool holds(__u64 word, __u64 sk)
{
	return (word & ~(OWNER_WRITING | OWNER_CLOSING)) == sk;
}

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

/* The connection's ends, read once per event. */
struct tcp_tuple {
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad0;
	__u8 laddr[16];
	__u8 raddr[16];
};

static __always_inline void read_tuple(struct tcp_tuple *t, const struct sock *sk)
{
	t->family = kernel_view(sk, struct sock)->__sk_common.skc_family;
	t->lport = sock_local_port(sk);
	t->rport = __builtin_bswap16(kernel_view(sk, struct sock)->__sk_common.skc_dport);
	t->pad0 = 0;
	read_sock_addrs(sk, t->family, t->laddr, t->raddr);
}

/* Records are built here: with the fold key they are too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_event);
} tcp_scratch SEC(".maps");

/*
 * Most connections repeat one already recorded in an open fold window, so
 * the fold is decided from the tuple and the owner before any record is
 * built: a counted repeat costs a key and one lookup, not a 300-byte copy.
 */
static __always_inline void emit_tcp_at(__u32 type, const struct sock *sk, const struct sock_owner *o,
					__u32 error, __u32 flags, __u64 now)
{
	struct runtime_config *rt = runtime_config();
	__u64 sent = 0, received = 0;
	struct fold_value add = {};
	struct fold_key key;
	struct tcp_tuple t;
	struct net_view nv;
	struct tcp_event *e;
	__u32 zero = 0;
	__u8 folded = 0;

	read_tuple(&t, sk);
	fill_net_view(&nv, t.family, t.raddr, t.lport, t.rport);
	if (ignored(rt, type, &o->proc, &nv))
		return;
	if (type == EVENT_TCP_CLOSE) {
		const struct tcp_sock *tp = kernel_view(sk, struct tcp_sock);

		/* payload only: bytes_acked would count SYN and FIN, bytes_sent counts retransmits */
		sent = tp->bytes_sent - tp->bytes_retrans;
		/*
		 * rcv_nxt, and so bytes_received, advanced by one for a FIN taken
		 * in order. Only tcp_fin() sets SOCK_DONE; RCV_SHUTDOWN is also set
		 * by our own close() or shutdown(SHUT_RD), with no FIN received.
		 */
		received = tp->bytes_received;
		if (fin_received(sk) && received)
			received -= 1;
	}
	__builtin_memset(&key, 0, sizeof(key));
	if (rt && (rt->fold_types & (1U << type))) {
		__u16 port = o->direction == DIRECTION_INBOUND ? t.lport : t.rport;

		fold_key_of(&key, type, &o->proc, t.family, t.raddr, port, error, o->direction, rt->fold_keys);
		add.window_start = now;
		add.count = 1;
		add.a = sent;
		add.b = received;
		if (fold_occurrence(&key, &add, rt->fold_window_ns) == FOLD_COUNTED)
			return;
		folded = 1;
	}
	e = bpf_map_lookup_elem(&tcp_scratch, &zero);
	if (!e)
		return;
	fill_header_at(&e->hdr, type, sizeof(*e), now);
	e->proc = o->proc;
	e->family = t.family;
	e->lport = t.lport;
	e->rport = t.rport;
	__builtin_memcpy(e->laddr, t.laddr, 16);
	__builtin_memcpy(e->raddr, t.raddr, 16);
	e->direction = o->direction;
	e->folded = folded;
	e->error = error;
	e->flags = flags;
	e->duration_ns = type == EVENT_TCP_CLOSE && o->established_ns ? now - o->established_ns : 0;
	e->bytes_sent = sent;
	e->bytes_received = received;
	e->key = key;
	emit(e, sizeof(*e), type);
}

static __always_inline void emit_tcp(__u32 type, const struct sock *sk, const struct sock_owner *o,
				     __u32 error, __u32 flags)
{
	emit_tcp_at(type, sk, o, error, flags, bpf_ktime_get_boot_ns());
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

static __always_inline void own_outbound(struct sock_owner *o)
{
	fill_proc(&o->proc);
	o->has_owner = 1;
	o->direction = DIRECTION_OUTBOUND;
}

/* A connection that ends: the connect's failure, or the close of one established. */
static __always_inline void close_owned(const struct sock *sk, int oldstate, struct sock_owner *o)
{
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
}

static __always_inline void on_close(const struct sock *sk, int oldstate)
{
	__u64 key = sock_key(sk), held;
	struct owner_slot *s = owner_slot_of(key);
	struct sock_owner *o;

	/* only this socket's accept changes its word meanwhile, and only in the state bits */
	if (s && holds(load_word(&s->word), key)) {
		/* read first: once marked, a writing accept may free the slot for another socket */
		__u64 established = s->o.established_ns;

		held = __sync_fetch_and_or(&s->word, OWNER_CLOSING);
		if (held == key) {
			close_owned(sk, oldstate, &s->o);
			__sync_lock_test_and_set(&s->word, 0);
		} else if (emit_close) {
			/* its accept is writing the owner this moment: closed without one; the accept frees the slot */
			struct sock_owner unknown = {};

			unknown.established_ns = established;
			unknown.direction = DIRECTION_INBOUND;
			emit_unowned(EVENT_TCP_CLOSE, sk, &unknown, 0, unknown.established_ns ? 0 : TCP_FLAG_START_UNKNOWN);
		}
		return;
	}
	o = bpf_map_lookup_elem(&sock_owners, &key);
	if (o) {
		close_owned(sk, oldstate, o);
		bpf_map_delete_elem(&sock_owners, &key);
		return;
	}
	{
		struct sock_owner fresh = {};

		/* a connection that predates the probes (or an evicted entry); a listener's close is not one */
		if (oldstate == TCP_SYN_SENT && emit_connect)
			emit_unowned(EVENT_TCP_CONNECT, sk, &fresh, kernel_view(sk, struct sock)->sk_err ?: ECONNABORTED, 0);
		else if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV && oldstate != TCP_LISTEN && emit_close)
			emit_unowned(EVENT_TCP_CLOSE, sk, &fresh, 0, TCP_FLAG_START_UNKNOWN);
	}
}

static __always_inline void on_established(const struct sock *sk, int oldstate)
{
	__u64 key = sock_key(sk), held;
	struct sock_owner fresh = {};
	struct owner_slot *s;
	struct sock_owner *o;

	if (oldstate == TCP_SYN_SENT) {
		s = owner_slot_of(key);
		o = s && load_word(&s->word) == key ? &s->o : bpf_map_lookup_elem(&sock_owners, &key);
		if (o) {
			/* one clock read for both: a read is a visible share of this path */
			o->established_ns = bpf_ktime_get_boot_ns();
			if (emit_connect)
				emit_tcp_at(EVENT_TCP_CONNECT, sk, o, 0, 0, o->established_ns);
			return;
		}
		/* connecting before the probes were attached, or an evicted entry: no owner known */
		fresh.direction = DIRECTION_OUTBOUND;
		fresh.established_ns = bpf_ktime_get_boot_ns();
		if (emit_connect)
			emit_unowned(EVENT_TCP_CONNECT, sk, &fresh, 0, 0);
		bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_NOEXIST);
		return;
	}
	/* passive open: the owner is filled in by accept, which may have run first */
	s = owner_claim(key, 0, false, &held);
	o = s ? &s->o : &fresh;
	o->established_ns = bpf_ktime_get_boot_ns();
	o->direction = DIRECTION_INBOUND;
	if (!s && !holds(held, key))
		bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_NOEXIST);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(bpfaudit_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct owner_slot *s;
	__u64 key, held;

	/* half the transitions of a connection (FIN_WAIT*, CLOSE_WAIT, LAST_ACK, ...) say nothing we record */
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED && newstate != TCP_CLOSE)
		return 0;
	if (!BTF_SOCK_IS(sk, AF_INET, IPPROTO_TCP))
		return 0;

	if (newstate == TCP_SYN_SENT) {
		struct sock_owner fresh = {};

		key = sock_key(sk);
		s = owner_claim(key, 0, true, &held);
		if (s) {
			own_outbound(&s->o);
			return 0;
		}
		own_outbound(&fresh);
		bpf_map_update_elem(&sock_owners, &key, &fresh, BPF_ANY);
	} else if (newstate == TCP_ESTABLISHED) {
		on_established(sk, oldstate);
	} else {
		on_close(sk, oldstate);
	}
	return 0;
}

static __always_inline void claim_accepted(struct sock_owner *o, const struct sock *sk)
{
	fill_proc(&o->proc);
	o->has_owner = 1;
	o->direction = DIRECTION_INBOUND;
	if (emit_accept)
		emit_tcp(EVENT_TCP_ACCEPT, sk, o, 0, 0);
}

/* The accept has written the owner; a close that came meanwhile left the slot to free. */
static __always_inline void accept_written(struct owner_slot *s, __u64 sk)
{
	if (__sync_val_compare_and_swap(&s->word, sk | OWNER_WRITING, sk) != (sk | OWNER_WRITING))
		__sync_lock_test_and_set(&s->word, 0);
}

/* Runs in the accepting process: the only place an accept has the right owner. */
static __always_inline int on_accept(const struct sock *sk)
{
	struct sock_owner *o, fresh = {};
	struct owner_slot *s;
	__u64 key, held;

	if (!sk || !is_tcp_inet(sk))
		return 0;
	key = sock_key(sk);
	s = owner_slot_of(key);
	if (s && __sync_val_compare_and_swap(&s->word, key, key | OWNER_WRITING) == key) {
		claim_accepted(&s->o, sk);
		accept_written(s, key);
		return 0;
	}
	o = bpf_map_lookup_elem(&sock_owners, &key);
	if (o) {
		claim_accepted(o, sk);
		return 0;
	}
	fresh.established_ns = bpf_ktime_get_boot_ns();
	/*
	 * Closed before its accept was seen (the state is stored after the
	 * state tracepoint ran): that close went out without an owner, and an
	 * owner kept now would outlive the socket.
	 */
	if (kernel_view(sk, struct sock)->__sk_common.skc_state == TCP_CLOSE) {
		claim_accepted(&fresh, sk);
		return 0;
	}
	/* the handshake's end not seen yet (it may run after accept returns), before the probes, or evicted */
	s = owner_claim(key, OWNER_WRITING, false, &held);
	if (s) {
		s->o.established_ns = fresh.established_ns;
		claim_accepted(&s->o, sk);
		accept_written(s, key);
		return 0;
	}
	claim_accepted(&fresh, sk);
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
