// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipset.* from the send syscalls on NETLINK_NETFILTER sockets, without
 * kprobes. The ipset tool (libmnl) uses sendto, other clients sendmsg. The
 * kernel runs each command synchronously inside the syscall and queues its
 * answer on the socket, so at the syscall's exit the receive queue holds,
 * per message sequence number, an NLMSG_ERROR (the result), an NLMSG_DONE,
 * or the first part of a dump (a LIST/SAVE that worked).
 */
#include "common.bpf.h"

#define AF_NETLINK 16
#define NETLINK_NETFILTER 12
#define NFNL_SUBSYS_IPSET 6
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_HDRLEN 16
#define MAX_MSGS 32  /* messages looked at per syscall */
#define MAX_ANSWERS 64 /* queued answers looked at per syscall */

struct call_args {
	__u64 buf;
	__u64 len;
	__u64 fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* thread id */
	__type(value, struct call_args);
} ipset_calls SEC(".maps");

struct answer_key {
	__u32 tid;
	__u32 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct answer_key);
	__type(value, __s32);
} ipset_answers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipset_event);
} ipset_scratch SEC(".maps");

const struct ipset_event *unused_ipset_event __attribute__((unused));

static __always_inline bool is_nfnetlink(struct sock *sk)
{
	return sk && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_NETLINK &&
	       BPF_CORE_READ(sk, sk_protocol) == NETLINK_NETFILTER;
}

static __always_inline int save_call(__u64 fd, __u64 buf, __u64 len)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_args a = { .buf = buf, .len = len, .fd = fd };

	if (!buf || !is_nfnetlink(sock_of_fd(current_task(), fd)))
		return 0;
	bpf_map_update_elem(&ipset_calls, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tp/syscalls/sys_enter_sendto")
int bpfaudit_ipset_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return save_call(ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int bpfaudit_ipset_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	struct user_msghdr *msg = (struct user_msghdr *)ctx->args[1];
	struct iovec *iov = NULL;
	struct iovec first = {};

	/* one iovec is what netlink clients send; later ones are not parsed */
	if (bpf_probe_read_user(&iov, sizeof(iov), &msg->msg_iov) || !iov)
		return 0;
	if (bpf_probe_read_user(&first, sizeof(first), iov))
		return 0;
	return save_call(ctx->args[0], (__u64)first.iov_base, first.iov_len);
}

/* Indexes the answers queued on the socket by sequence number. */
static __always_inline void collect_answers(struct sock *sk, __u32 tid)
{
	struct sk_buff_head *queue = __builtin_preserve_access_index(&sk->sk_receive_queue);
	struct sk_buff *skb = BPF_CORE_READ(sk, sk_receive_queue.next);
	int i;

	for (i = 0; i < MAX_ANSWERS; i++) {
		struct nlmsghdr h = {};
		struct answer_key key = { .tid = tid };
		__s32 result = 0;
		unsigned char *data;

		if (!skb || (void *)skb == (void *)queue)
			break;
		data = BPF_CORE_READ(skb, data);
		if (bpf_probe_read_kernel(&h, sizeof(h), data))
			break;
		key.seq = h.nlmsg_seq;
		if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_DONE) {
			bpf_probe_read_kernel(&result, sizeof(result), data + NLMSG_HDRLEN);
			bpf_map_update_elem(&ipset_answers, &key, &result, BPF_ANY);
		} else {
			/* the first part of a dump: the request worked, unless an error follows */
			bpf_map_update_elem(&ipset_answers, &key, &result, BPF_NOEXIST);
		}
		skb = BPF_CORE_READ(skb, next);
	}
}

/* Commands that change or read sets; the protocol handshake and the type/header queries are not. */
static __always_inline bool is_operation(__u8 cmd)
{
	return cmd >= 2 && cmd <= 11; /* IPSET_CMD_CREATE .. IPSET_CMD_TEST */
}

static __always_inline void emit_message(__u64 at, __u32 size, __u32 seq, __u16 index, long ret, __u32 tid)
{
	__u32 zero = 0;
	__u64 len, total;
	struct ipset_event *e = bpf_map_lookup_elem(&ipset_scratch, &zero);
	struct answer_key key = { .tid = tid, .seq = seq };
	__s32 *answer;

	if (!e)
		return;
	fill_proc(&e->proc, current_task());
	if (ignored(EVENT_IPSET, &e->proc, NULL))
		return;
	len = size < BPFAUDIT_IPSET_MSG_LEN ? size : BPFAUDIT_IPSET_MSG_LEN;
	/* written so that the verifier sees 1 <= len <= BPFAUDIT_IPSET_MSG_LEN (size >= 16) */
	len = ((len - 1) & (BPFAUDIT_IPSET_MSG_LEN - 1)) + 1;
	if (bpf_probe_read_user(e->msg, len, (void *)at))
		return;
	e->msg_len = len;
	e->msg_size = size;
	e->index = index;
	e->pad0 = 0;
	answer = bpf_map_lookup_elem(&ipset_answers, &key);
	if (ret < 0) {
		/* the send itself failed: the kernel never saw the command */
		e->result = ret;
		e->result_known = 1;
	} else if (answer) {
		e->result = *answer;
		e->result_known = 1;
		bpf_map_delete_elem(&ipset_answers, &key);
	} else {
		e->result = 0;
		e->result_known = 0;
	}
	total = offsetof(struct ipset_event, msg) + len;
	fill_header(&e->hdr, EVENT_IPSET, total);
	emit(e, total, EVENT_IPSET);
}

static __always_inline int on_exit_send(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct call_args *a = bpf_map_lookup_elem(&ipset_calls, &tid);
	struct call_args args;
	struct sock *sk;
	__u64 off = 0;
	int i;

	if (!a)
		return 0;
	args = *a;
	bpf_map_delete_elem(&ipset_calls, &tid);
	sk = sock_of_fd(current_task(), args.fd);
	if (!is_nfnetlink(sk))
		return 0;
	collect_answers(sk, tid);

	for (i = 0; i < MAX_MSGS; i++) {
		struct nlmsghdr h = {};

		if (off + NLMSG_HDRLEN > args.len)
			break;
		if (bpf_probe_read_user(&h, sizeof(h), (void *)(args.buf + off)))
			break;
		if (h.nlmsg_len < NLMSG_HDRLEN || off + h.nlmsg_len > args.len)
			break;
		if ((h.nlmsg_type >> 8) == NFNL_SUBSYS_IPSET && is_operation(h.nlmsg_type & 0xff))
			emit_message(args.buf + off, h.nlmsg_len, h.nlmsg_seq, i, ret, tid);
		off += (h.nlmsg_len + 3) & ~3U;
	}
	return 0;
}

SEC("tp/syscalls/sys_exit_sendto")
int bpfaudit_ipset_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit_send(ctx->ret);
}

SEC("tp/syscalls/sys_exit_sendmsg")
int bpfaudit_ipset_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit_send(ctx->ret);
}
