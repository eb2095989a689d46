// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * network.udp.bind / connect / send / receive.
 *
 * Everything here runs in the calling process, so attribution is exact.
 * bind and connect come from their syscalls: the enter tracepoint saves the
 * user sockaddr pointer per thread, the exit tracepoint reads it once the
 * kernel has acted. Datagrams are seen at the socket (see below), whatever
 * the submission path, and counted per flow (process, direction, remote end)
 * in an LRU map; only the first datagram of a flow window reaches the ring.
 */
#include "common.bpf.h"

#define IPPROTO_UDP 17
#define SOCKADDR_MAX 28 /* sizeof(struct sockaddr_in6) */
#define MSG_PEEK 2
#define MSG_ERRQUEUE 0x2000

const volatile bool emit_bind = true;
const volatile bool emit_connect = true;
const volatile bool emit_send = true;
const volatile bool emit_receive = true;

/* A UDP flow is a fold of datagrams: one process, direction, remote end. */
#define UDP_FOLD_KEYS (FOLD_KEY_PID | FOLD_KEY_UID | FOLD_KEY_ADDR | FOLD_KEY_PORT)

enum udp_dir {
	UDP_DIR_SEND,
	UDP_DIR_RECEIVE,
};

enum call_kind {
	CALL_BIND = 1,
	CALL_CONNECT,
};

/* What bind() and a UDP connect() leave for the syscall's exit: in the thread's slot. */
struct call_args {
	struct thread_slot head;
	__u64 fd;
	__u64 uaddr;  /* user sockaddr, or 0 */
	__u32 kind;
	__u32 pad0;
};

#define CALL_SLOTS 8192

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CALL_SLOTS);
	__type(key, __u32);
	__type(value, struct call_args);
} udp_calls SEC(".maps");

/* Records too big for the stack are built here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct udp_event);
} udp_scratch SEC(".maps");

const struct udp_event *unused_udp_event __attribute__((unused));

static __always_inline int save_call(__u32 kind, __u64 fd, __u64 uaddr)
{
	struct call_args *a = thread_slot_claim(&udp_calls, CALL_SLOTS, (__u32)bpf_get_current_pid_tgid(),
						COUNTER_UDP_CALL_MISSED);

	if (a) {
		a->fd = fd;
		a->uaddr = uaddr;
		a->kind = kind;
	}
	return 0;
}

/* Reads a user sockaddr into family/port/addr; false when absent or not inet. */
static __always_inline bool read_user_sockaddr(__u64 uaddr, __u16 *family, __u16 *port, __u8 *addr)
{
	__u8 raw[SOCKADDR_MAX] = {};

	if (!uaddr || bpf_probe_read_user(raw, sizeof(raw), (void *)uaddr))
		return false;
	*family = raw[0] | (raw[1] << 8);
	*port = (raw[2] << 8) | raw[3];
	__builtin_memset(addr, 0, 16);
	if (*family == AF_INET)
		__builtin_memcpy(addr, &raw[4], 4);
	else if (*family == AF_INET6)
		__builtin_memcpy(addr, &raw[8], 16);
	else
		return false;
	return true;
}

static __always_inline struct udp_event *new_event(__u32 type, struct sock *sk)
{
	__u32 zero = 0;
	struct udp_event *e = bpf_map_lookup_elem(&udp_scratch, &zero);
	__u8 raddr[16];

	if (!e)
		return NULL;
	fill_header(&e->hdr, type, sizeof(*e));
	fill_proc(&e->proc);
	__builtin_memset(&e->key, 0, sizeof(e->key));
	__builtin_memset(&e->flow, 0, sizeof(e->flow));
	e->key.type = type;
	e->key.family = kernel_view(sk, struct sock)->__sk_common.skc_family;
	e->key.port = __builtin_bswap16(kernel_view(sk, struct sock)->__sk_common.skc_dport);
	read_sock_addrs(sk, e->key.family, e->laddr, raddr);
	__builtin_memcpy(e->key.addr, raddr, 16);
	e->lport = sock_local_port(sk);
	e->requested_port = 0;
	e->error = 0;
	return e;
}

/* Filters bind/connect records; the remote end of a bind is empty. */
static __always_inline bool udp_ignored(struct udp_event *e)
{
	struct net_view nv;

	fill_net_view(&nv, e->key.family, e->key.addr, e->lport, e->key.port);
	return ignored(runtime_config(), e->hdr.type, &e->proc, &nv);
}

static __always_inline void on_bind(struct sock *sk, const struct call_args *a, long ret)
{
	struct udp_event *e = new_event(EVENT_UDP_BIND, sk);
	__u16 family, port;
	__u8 addr[16];

	if (!e)
		return;
	e->error = ret < 0 ? ret : 0;
	if (read_user_sockaddr(a->uaddr, &family, &port, addr)) {
		e->requested_port = port;
		/* a failed bind leaves the socket unbound: show what was asked for */
		if (ret < 0) {
			__builtin_memcpy(e->laddr, addr, 16);
			e->lport = port;
		}
	}
	if (udp_ignored(e))
		return;
	emit(e, sizeof(*e), EVENT_UDP_BIND);
}

static __always_inline void on_connect(struct sock *sk, const struct call_args *a, long ret)
{
	struct udp_event *e;
	__u16 family, port;
	__u8 addr[16];

	/* connect(AF_UNSPEC) dissolves an association: not a connection */
	if (!read_user_sockaddr(a->uaddr, &family, &port, addr))
		return;
	e = new_event(EVENT_UDP_CONNECT, sk);
	if (!e)
		return;
	e->error = ret < 0 ? ret : 0;
	if (ret < 0) {
		e->key.port = port;
		__builtin_memcpy(e->key.addr, addr, 16);
	}
	if (udp_ignored(e))
		return;
	emit(e, sizeof(*e), EVENT_UDP_CONNECT);
}

/* The remote end of one datagram: a destination or a source. */
struct remote {
	__u16 family; /* 0: unknown (a read on an unconnected socket) */
	__u16 port;   /* host byte order */
	__u8 addr[16];
};

/* The datagram's remote end a cgroup hook saw, left in the thread's slot for the length tracepoint. */
struct remote_slot {
	struct thread_slot head;
	struct remote remote;
};

#define REMOTE_SLOTS 8192

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, REMOTE_SLOTS);
	__type(key, __u32);
	__type(value, struct remote_slot);
} udp_call_remote SEC(".maps");

struct datagrams {
	struct remote remote; /* family 0: the socket's connected peer */
	__u64 count;
	__u64 bytes;
	__s64 ret;   /* the call's result */
};

/*
 * Counts one datagram in its flow. The first datagram of a window is
 * emitted; a datagram after the window has ended first emits the closed
 * window's totals (fold end), then opens a new window.
 */
/* What one call adds to its flow: datagrams, bytes, failed sends. */
static __always_inline void flow_add(struct fold_value *add, const struct datagrams *d, __u64 now)
{
	add->window_start = now;
	add->count = d->count;
	add->a = d->bytes;
	add->b = d->ret < 0 ? 1 : 0;
}

/*
 * A repeat of an open window is only counted: its fold key needs the pid,
 * the uid, the namespace and the remote end, not the whole process record.
 * True when it was counted; otherwise the caller makes the full record.
 */
static __always_inline bool counted_as_repeat(struct sock *sk, __u32 type, __u8 dir, const struct datagrams *d,
					      const struct runtime_config *rt)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct proc_ctx who = {};
	struct fold_value add = {};
	struct fold_key k;
	__u8 laddr[16], raddr[16];
	__u16 family, port;

	who.pid = bpf_get_current_pid_tgid() >> 32;
	who.uid = task->real_cred->uid.val;
	who.netns = task->nsproxy->net_ns->ns.inum;
	if (d->remote.family) {
		family = d->remote.family;
		port = d->remote.port;
		__builtin_memcpy(raddr, d->remote.addr, 16);
	} else {
		family = kernel_view(sk, struct sock)->__sk_common.skc_family;
		port = __builtin_bswap16(kernel_view(sk, struct sock)->__sk_common.skc_dport);
		read_sock_addrs(sk, family, laddr, raddr);
	}
	fold_key_of(&k, type, &who, family, raddr, port, 0, dir, UDP_FOLD_KEYS);
	flow_add(&add, d, bpf_ktime_get_boot_ns());
	return fold_into_open(bpf_map_lookup_elem(&folds, &k), &add, rt->udp_window_ns);
}

static __noinline void count_flow(struct sock *sk, __u8 dir, const struct datagrams *d)
{
	__u32 type = dir == UDP_DIR_SEND ? EVENT_UDP_SEND : EVENT_UDP_RECEIVE;
	struct runtime_config *rt = runtime_config();
	struct fold_value add = {};
	struct udp_event *e;
	struct fold_key *k;
	__u16 family, port;
	__u8 addr[16];

	if (!rt || !d || counted_as_repeat(sk, type, dir, d, rt))
		return;
	e = new_event(type, sk);
	if (!e)
		return;
	if (d->remote.family) {
		e->key.family = d->remote.family;
		e->key.port = d->remote.port;
		__builtin_memcpy(e->key.addr, d->remote.addr, 16);
	}
	e->error = d->ret < 0 ? d->ret : 0;
	if (udp_ignored(e))
		return;
	family = e->key.family;
	port = e->key.port;
	__builtin_memcpy(addr, e->key.addr, 16);
	k = &e->key;
	fold_key_of(k, type, &e->proc, family, addr, port, 0, dir, UDP_FOLD_KEYS);
	flow_add(&add, d, e->hdr.ktime);
	e->flow = add;
	if (fold_occurrence(k, &add, rt->udp_window_ns) == FOLD_COUNTED)
		return;
	if ((dir == UDP_DIR_SEND && emit_send) || (dir == UDP_DIR_RECEIVE && emit_receive))
		emit(e, sizeof(*e), type);
}

/*
 * Sends and receives are seen at the socket, not at a syscall, so every way
 * in counts the same: sendto/sendmsg/sendmmsg and their recv twins, write()
 * and read(), io_uring's SEND/SENDMSG/RECV/RECVMSG (run by the ring owner's
 * task or its io-wq threads, which share its pid). The datagram's remote end
 * when the process names it (an unconnected socket) is only visible to the
 * cgroup socket-address hooks, which run just before in the same thread:
 * they leave it here for the length tracepoint to take.
 */
static __always_inline int remember_remote(struct bpf_sock_addr *ctx, __u16 family)
{
	struct remote_slot *slot;
	struct remote r = { .family = family, .port = __builtin_bswap16((__u16)ctx->user_port) };

	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	if (family == AF_INET) {
		__u32 ip4 = ctx->user_ip4;

		__builtin_memcpy(r.addr, &ip4, 4);
	} else {
		__u32 ip6[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

		__builtin_memcpy(r.addr, ip6, 16);
	}
	slot = thread_slot_claim(&udp_call_remote, REMOTE_SLOTS, (__u32)bpf_get_current_pid_tgid(),
				 COUNTER_UDP_CALL_MISSED);
	if (slot)
		slot->remote = r;
	return 1;
}

SEC("cgroup/sendmsg4")
int bpfaudit_udp_sendmsg4(struct bpf_sock_addr *ctx) { return remember_remote(ctx, AF_INET); }

SEC("cgroup/sendmsg6")
int bpfaudit_udp_sendmsg6(struct bpf_sock_addr *ctx) { return remember_remote(ctx, AF_INET6); }

SEC("cgroup/recvmsg4")
int bpfaudit_udp_recvmsg4(struct bpf_sock_addr *ctx) { return remember_remote(ctx, AF_INET); }

SEC("cgroup/recvmsg6")
int bpfaudit_udp_recvmsg6(struct bpf_sock_addr *ctx) { return remember_remote(ctx, AF_INET6); }

/* The remote end the cgroup hook left for this call, if any; consumed. */
static __always_inline void take_remote(struct remote *out)
{
	__u64 word;
	struct remote_slot *slot = thread_slot_find(&udp_call_remote, REMOTE_SLOTS, (__u32)bpf_get_current_pid_tgid(), &word);

	out->family = 0;
	if (!slot)
		return;
	*out = slot->remote;
	if (!thread_slot_release(slot, word))
		out->family = 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(bpfaudit_udp_send, struct sock *sk, int ret, int flags)
{
	struct datagrams d = {};

	/* every socket send on the host passes here: leave at once unless it is UDP */
	if (!BTF_SOCK_IS(sk, AF_INET, IPPROTO_UDP))
		return 0;
	take_remote(&d.remote);
	d.count = ret < 0 ? 0 : 1;
	d.bytes = ret < 0 ? 0 : ret;
	d.ret = ret;
	count_flow(sk, UDP_DIR_SEND, &d);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(bpfaudit_udp_receive, struct sock *sk, int ret, int flags)
{
	struct datagrams d = {};

	if (!BTF_SOCK_IS(sk, AF_INET, IPPROTO_UDP))
		return 0;
	take_remote(&d.remote);
	/* an error (EAGAIN) is no datagram; a peek or an error-queue read takes none */
	if (ret < 0 || (flags & (MSG_PEEK | MSG_ERRQUEUE)))
		return 0;
	d.count = 1;
	d.bytes = ret;
	d.ret = 0;
	count_flow(sk, UDP_DIR_RECEIVE, &d);
	return 0;
}

static __always_inline int on_exit_call(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 word;
	struct call_args *a = thread_slot_find(&udp_calls, CALL_SLOTS, tid, &word);
	struct call_args args;
	struct sock *sk;

	if (!a)
		return 0;
	args = *a;
	if (!thread_slot_release(a, word))
		return 0;
	if (args.kind == CALL_CONNECT) {
		/* marked by the cgroup hook, which has no descriptor: the syscall's own arguments */
		const struct pt_regs *regs = syscall_regs();

		args.fd = PT_REGS_PARM1_SYSCALL(regs);
		args.uaddr = PT_REGS_PARM2_SYSCALL(regs);
	}
	sk = sock_of_fd(current_task(), args.fd);
	if (!sk || !is_inet_proto(sk, IPPROTO_UDP))
		return 0;
	if (args.kind == CALL_BIND && emit_bind)
		on_bind(sk, &args, ret);
	else if (args.kind == CALL_CONNECT && emit_connect)
		on_connect(sk, &args, ret);
	return 0;
}

SEC("tp/syscalls/sys_enter_bind")
int bpfaudit_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_BIND, ctx->args[0], ctx->args[1]);
}

/*
 * connect() is the hot call of every TCP client: rather than note every
 * one at the syscall's entry, the cgroup hook (which runs only for inet
 * sockets, in the caller, before the kernel connects) marks the UDP ones,
 * and the exit looks for the mark.
 */
static __always_inline int mark_udp_connect(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol == IPPROTO_UDP)
		save_call(CALL_CONNECT, 0, 0);
	return 1;
}

SEC("cgroup/connect4")
int bpfaudit_udp_connect4(struct bpf_sock_addr *ctx) { return mark_udp_connect(ctx); }

SEC("cgroup/connect6")
int bpfaudit_udp_connect6(struct bpf_sock_addr *ctx) { return mark_udp_connect(ctx); }

SEC("tp/syscalls/sys_exit_bind")
int bpfaudit_exit_bind(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_connect")
int bpfaudit_exit_connect(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

