// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipset.* from what is sent on NETLINK_NETFILTER sockets, without kprobes.
 * The kernel runs each command synchronously inside the send and queues its
 * answer on the socket, so right after the send the receive queue holds,
 * per message sequence number, an NLMSG_ERROR (the result), an NLMSG_DONE,
 * or the first part of a dump (a LIST/SAVE that worked).
 *
 * Two ways in, covering every submission path:
 * - sock_send_length fires after any socket send in the sending task. For
 *   a send made by a syscall (sendto: the ipset tool's libmnl; sendmsg;
 *   write; writev) the task's syscall registers still point at the user
 *   buffer, which is read there.
 * - io_uring SEND/SENDMSG never pass a syscall with that buffer: the
 *   request's user pointer is noted when it is submitted and the command is
 *   read when it completes.
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

#if defined(__TARGET_ARCH_x86)
#define NR_WRITE 1
#define NR_WRITEV 20
#define NR_SENDTO 44
#define NR_SENDMSG 46
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_WRITE 64
#define NR_WRITEV 66
#define NR_SENDTO 206
#define NR_SENDMSG 211
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#else
#error "syscall numbers for this architecture"
#endif

/* What was sent: a user buffer, as the process passed it. */
struct sent {
	__u64 buf;
	__u64 len;
};

/* io_uring sends between submission and completion, by request. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* struct io_kiocb * */
	__type(value, struct sent);
} ipset_uring SEC(".maps");

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
	return sk && sock_kind_is(kernel_view(sk, struct sock)->__sk_common.skc_family, kernel_view(sk, struct sock)->sk_protocol, AF_NETLINK,
				  NETLINK_NETFILTER);
}

/* The first iovec of a user msghdr: one is what netlink clients send; later ones are not parsed. */
static __always_inline bool first_iovec(__u64 umsg, struct sent *out)
{
	struct user_msghdr *msg = (struct user_msghdr *)umsg;
	struct iovec *iov = NULL;
	struct iovec first = {};

	if (bpf_probe_read_user(&iov, sizeof(iov), &msg->msg_iov) || !iov)
		return false;
	if (bpf_probe_read_user(&first, sizeof(first), iov))
		return false;
	out->buf = (__u64)first.iov_base;
	out->len = first.iov_len;
	return true;
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

/* e->proc is filled once per send, before its messages are looked at. */
static __always_inline void emit_message(struct ipset_event *e, __u64 at, __u32 size, __u32 seq, __u16 index, long ret, __u32 tid)
{
	__u64 len, total;
	struct answer_key key = { .tid = tid, .seq = seq };
	__s32 *answer;

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

static __noinline int on_sent(struct sock *sk, const struct sent *sent, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct ipset_event *e = bpf_map_lookup_elem(&ipset_scratch, &zero);
	__u64 off = 0;
	int i;

	if (!e || !sent || !sent->buf)
		return 0;
	fill_proc(&e->proc);
	if (ignored(runtime_config(), EVENT_IPSET, &e->proc, NULL))
		return 0;
	collect_answers(sk, tid);
	for (i = 0; i < MAX_MSGS; i++) {
		struct nlmsghdr h = {};

		if (off + NLMSG_HDRLEN > sent->len)
			break;
		if (bpf_probe_read_user(&h, sizeof(h), (void *)(sent->buf + off)))
			break;
		if (h.nlmsg_len < NLMSG_HDRLEN || off + h.nlmsg_len > sent->len)
			break;
		if ((h.nlmsg_type >> 8) == NFNL_SUBSYS_IPSET && is_operation(h.nlmsg_type & 0xff))
			emit_message(e, sent->buf + off, h.nlmsg_len, h.nlmsg_seq, i, ret, tid);
		off += (h.nlmsg_len + 3) & ~3U;
	}
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(bpfaudit_ipset_send, struct sock *sk, int ret, int flags)
{
	const struct pt_regs *regs;
	struct sent sent = {};
	long nr;

	/* every socket send on the host passes here: leave at once unless it is nfnetlink */
	if (!BTF_SOCK_IS(sk, AF_NETLINK, NETLINK_NETFILTER))
		return 0;
	regs = syscall_regs();
	nr = SYSCALL_NR(regs);
	if (nr == NR_WRITE || nr == NR_SENDTO) {
		sent.buf = PT_REGS_PARM2_CORE_SYSCALL(regs);
		sent.len = PT_REGS_PARM3_CORE_SYSCALL(regs);
	} else if (nr == NR_SENDMSG) {
		if (!first_iovec(PT_REGS_PARM2_CORE_SYSCALL(regs), &sent))
			return 0;
	} else if (nr == NR_WRITEV) {
		struct iovec first = {};

		if (bpf_probe_read_user(&first, sizeof(first), (void *)PT_REGS_PARM2_CORE_SYSCALL(regs)))
			return 0;
		sent.buf = (__u64)first.iov_base;
		sent.len = first.iov_len;
	} else {
		return 0; /* io_uring (below), or a kernel-internal send */
	}
	return on_sent(sk, &sent, ret);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(bpfaudit_ipset_uring_submit, struct io_kiocb *req)
{
	struct io_sr_msg *sr = (struct io_sr_msg *)&req->cmd;
	__u8 op = BPF_CORE_READ(req, opcode);
	__u64 key = (__u64)req;
	struct sent sent = {};

	/* the file is not assigned yet: every send is noted, the socket is checked at completion */
	if (op == bpf_core_enum_value(enum io_uring_op, IORING_OP_SENDMSG)) {
		if (!first_iovec((__u64)BPF_CORE_READ(sr, umsg), &sent))
			return 0;
	} else if (op == bpf_core_enum_value(enum io_uring_op, IORING_OP_SEND)) {
		sent.buf = (__u64)BPF_CORE_READ(sr, buf);
		sent.len = BPF_CORE_READ(sr, len);
	} else {
		return 0;
	}
	bpf_map_update_elem(&ipset_uring, &key, &sent, BPF_ANY);
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(bpfaudit_ipset_uring_complete, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	__u64 key = (__u64)req;
	struct sent *sent = bpf_map_lookup_elem(&ipset_uring, &key);
	struct sent copy;
	struct socket *sock;
	struct sock *sk;

	if (!sent)
		return 0;
	copy = *sent;
	bpf_map_delete_elem(&ipset_uring, &key);
	sock = BPF_CORE_READ((struct io_kiocb *)req, file, private_data);
	sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (!is_nfnetlink(sk))
		return 0;
	return on_sent(sk, &copy, BPF_CORE_READ(cqe, res));
}
