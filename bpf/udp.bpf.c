// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * network.udp.bind / connect / send / receive, from the socket syscalls.
 *
 * Everything here runs in the calling process, so attribution is exact.
 * The addresses a process passes (bind, connect, sendto/sendmsg) or gets
 * back (recvfrom/recvmsg) live in its memory: the enter tracepoint saves
 * the pointer per thread, the exit tracepoint reads it once the kernel has
 * acted. Datagrams are counted per flow (process, direction, remote end) in
 * an LRU map; only the first datagram of a flow window reaches the ring.
 */
#include "common.bpf.h"

#define IPPROTO_UDP 17
#define SOCKADDR_MAX 28 /* sizeof(struct sockaddr_in6) */
#define MMSG_MAX 32 /* above libuv's batch of 20 */

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
	CALL_SEND,  /* sendto, sendmsg */
	CALL_SENDMMSG,
	CALL_RECV,  /* recvfrom, recvmsg */
	CALL_RECVMMSG,
};

struct call_args {
	__u64 fd;
	__u64 uaddr;  /* user sockaddr, or 0 */
	__u64 msgvec; /* sendmmsg/recvmmsg: the user mmsghdr array */
	__u32 kind;
	__u32 pad0;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* thread id */
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

static __always_inline int save_call(__u32 kind, __u64 fd, __u64 uaddr, __u64 msgvec)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_args a = { .fd = fd, .uaddr = uaddr, .msgvec = msgvec, .kind = kind };

	bpf_map_update_elem(&udp_calls, &tid, &a, BPF_ANY);
	return 0;
}

/* msg_name of a user msghdr, or 0. */
static __always_inline __u64 msg_name_of(__u64 umsg)
{
	void *name = NULL;

	if (umsg)
		bpf_probe_read_user(&name, sizeof(name), &((struct user_msghdr *)umsg)->msg_name);
	return (__u64)name;
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
	fill_proc(&e->proc, current_task());
	__builtin_memset(&e->key, 0, sizeof(e->key));
	__builtin_memset(&e->flow, 0, sizeof(e->flow));
	e->key.type = type;
	e->key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->key.port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
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
	return ignored(e->hdr.type, &e->proc, &nv);
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

struct datagrams {
	__u64 uaddr; /* user sockaddr of the remote end, or 0 for the socket's peer */
	__u64 count;
	__u64 bytes;
	__s64 ret;   /* the syscall's result */
};

/*
 * Counts one syscall's datagrams in their flow. The first datagram of a
 * window is emitted; a datagram after the window has ended first emits the
 * closed window's totals (fold end), then opens a new window.
 */
static __noinline void count_flow(struct sock *sk, __u8 dir, const struct datagrams *d)
{
	__u32 type = dir == UDP_DIR_SEND ? EVENT_UDP_SEND : EVENT_UDP_RECEIVE;
	struct udp_event *e = new_event(type, sk);
	struct runtime_config *rt = runtime_config();
	struct fold_value add = {};
	struct fold_key *k;
	__u16 family, port;
	__u8 addr[16];

	if (!e || !rt || !d)
		return;
	if (read_user_sockaddr(d->uaddr, &family, &port, addr)) {
		e->key.family = family;
		e->key.port = port;
		__builtin_memcpy(e->key.addr, addr, 16);
	}
	e->error = d->ret < 0 ? d->ret : 0;
	if (udp_ignored(e))
		return;
	family = e->key.family;
	port = e->key.port;
	__builtin_memcpy(addr, e->key.addr, 16);
	k = &e->key;
	fold_key_of(k, type, &e->proc, family, addr, port, 0, dir, UDP_FOLD_KEYS);
	add.window_start = e->hdr.ktime;
	add.count = d->count;
	add.a = d->bytes;
	add.b = d->ret < 0 ? 1 : 0;
	e->flow = add;
	if (fold_occurrence(k, &add, rt->udp_window_ns) == FOLD_COUNTED)
		return;
	if ((dir == UDP_DIR_SEND && emit_send) || (dir == UDP_DIR_RECEIVE && emit_receive))
		emit(e, sizeof(*e), type);
}

/*
 * sendmmsg/recvmmsg: each message is its own datagram with its own address;
 * messages past MMSG_MAX are counted in the kernel counters, not in flows.
 */
static __always_inline void count_mmsg(struct sock *sk, __u8 dir, __u64 msgvec, long n)
{
	struct mmsghdr *v = (struct mmsghdr *)msgvec;
	int i;

	for (i = 0; i < MMSG_MAX; i++) {
		__u32 len = 0;
		struct datagrams d = { .count = 1, .ret = 0 };

		if (i >= n)
			break;
		bpf_probe_read_user(&len, sizeof(len), &v[i].msg_len);
		d.uaddr = msg_name_of((__u64)&v[i].msg_hdr);
		d.bytes = len;
		count_flow(sk, dir, &d);
	}
	if (n > MMSG_MAX)
		count(COUNTER_MMSG_PARTIAL);
}

static __always_inline int on_exit_call(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_args *a = bpf_map_lookup_elem(&udp_calls, &tid);
	struct call_args args;
	struct datagrams d = {};
	struct sock *sk;

	if (!a)
		return 0;
	args = *a;
	bpf_map_delete_elem(&udp_calls, &tid);
	sk = sock_of_fd(current_task(), args.fd);
	if (!sk || !is_inet_proto(sk, IPPROTO_UDP))
		return 0;

	switch (args.kind) {
	case CALL_BIND:
		if (emit_bind)
			on_bind(sk, &args, ret);
		break;
	case CALL_CONNECT:
		if (emit_connect)
			on_connect(sk, &args, ret);
		break;
	case CALL_SEND:
		d.uaddr = args.uaddr;
		d.count = ret < 0 ? 0 : 1;
		d.bytes = ret < 0 ? 0 : ret;
		d.ret = ret;
		count_flow(sk, UDP_DIR_SEND, &d);
		break;
	case CALL_SENDMMSG:
		if (ret < 0) {
			d.uaddr = msg_name_of(args.msgvec);
			d.ret = ret;
			count_flow(sk, UDP_DIR_SEND, &d);
		} else {
			count_mmsg(sk, UDP_DIR_SEND, args.msgvec, ret);
		}
		break;
	case CALL_RECV:
		if (ret >= 0) {
			d.uaddr = args.uaddr;
			d.count = 1;
			d.bytes = ret;
			count_flow(sk, UDP_DIR_RECEIVE, &d);
		}
		break;
	case CALL_RECVMMSG:
		if (ret > 0)
			count_mmsg(sk, UDP_DIR_RECEIVE, args.msgvec, ret);
		break;
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_bind")
int bpfaudit_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_BIND, ctx->args[0], ctx->args[1], 0);
}

SEC("tp/syscalls/sys_enter_connect")
int bpfaudit_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_CONNECT, ctx->args[0], ctx->args[1], 0);
}

SEC("tp/syscalls/sys_enter_sendto")
int bpfaudit_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_SEND, ctx->args[0], ctx->args[4], 0);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int bpfaudit_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_SEND, ctx->args[0], msg_name_of(ctx->args[1]), 0);
}

SEC("tp/syscalls/sys_enter_sendmmsg")
int bpfaudit_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_SENDMMSG, ctx->args[0], 0, ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_recvfrom")
int bpfaudit_enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_RECV, ctx->args[0], ctx->args[4], 0);
}

SEC("tp/syscalls/sys_enter_recvmsg")
int bpfaudit_enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_RECV, ctx->args[0], msg_name_of(ctx->args[1]), 0);
}

SEC("tp/syscalls/sys_enter_recvmmsg")
int bpfaudit_enter_recvmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(CALL_RECVMMSG, ctx->args[0], 0, ctx->args[1]);
}

SEC("tp/syscalls/sys_exit_bind")
int bpfaudit_exit_bind(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_connect")
int bpfaudit_exit_connect(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_sendto")
int bpfaudit_exit_sendto(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_sendmsg")
int bpfaudit_exit_sendmsg(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_sendmmsg")
int bpfaudit_exit_sendmmsg(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_recvfrom")
int bpfaudit_exit_recvfrom(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_recvmsg")
int bpfaudit_exit_recvmsg(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }

SEC("tp/syscalls/sys_exit_recvmmsg")
int bpfaudit_exit_recvmmsg(struct trace_event_raw_sys_exit *ctx) { return on_exit_call(ctx->ret); }
