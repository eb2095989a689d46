/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps and helpers shared by every probe object. Each object declares the
 * same maps; the addon loads the first object and hands its map descriptors
 * to the others (bpf_map__reuse_fd), so all probes feed one ring buffer and
 * one set of counters.
 */
#ifndef BPFAUDIT_COMMON_BPF_H
#define BPFAUDIT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

#define AF_INET 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Keep the shared enums in every object's BTF for the layout test. */
const enum bpfaudit_event_type *unused_event_type __attribute__((unused));
const enum bpfaudit_counter *unused_counter __attribute__((unused));
const enum bpfaudit_flags *unused_flags __attribute__((unused));
const enum bpfaudit_direction *unused_direction __attribute__((unused));
const struct proc_ctx *unused_proc_ctx __attribute__((unused));
const enum bpfaudit_udp_dir *unused_udp_dir __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* user space resizes this before load (config: limits.ring_buffer_bytes) */
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &index);

	if (v)
		*v += 1;
}

/* Emits a record built elsewhere; a full ring buffer is counted, never silent. */
static __always_inline void emit(void *record, __u64 size, __u32 type)
{
	if (bpf_ringbuf_output(&events, record, size, 0))
		count(type);
}

static __always_inline void fill_header(struct event_header *h, __u32 type, __u32 size)
{
	h->type = type;
	h->size = size;
	h->ktime = bpf_ktime_get_boot_ns();
}

static __always_inline void fill_proc(struct proc_ctx *p, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	struct tty_struct *tty;

	p->pid = BPF_CORE_READ(task, tgid);
	p->tid = BPF_CORE_READ(task, pid);
	p->ppid = BPF_CORE_READ(task, real_parent, tgid);
	p->sid = BPF_CORE_READ(task, signal, pids[PIDTYPE_SID], numbers[0].nr);
	p->uid = BPF_CORE_READ(cred, uid.val);
	p->euid = BPF_CORE_READ(cred, euid.val);
	p->suid = BPF_CORE_READ(cred, suid.val);
	p->gid = BPF_CORE_READ(cred, gid.val);
	p->egid = BPF_CORE_READ(cred, egid.val);
	if (bpf_core_field_exists(task->loginuid))
		p->auid = BPF_CORE_READ(task, loginuid.val);
	else
		p->auid = (__u32)-1;
	p->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	p->pad0 = 0;
	p->cgroup_id = bpf_get_current_cgroup_id();
	BPF_CORE_READ_STR_INTO(&p->comm, task, comm);
	tty = BPF_CORE_READ(task, signal, tty);
	if (tty)
		BPF_CORE_READ_STR_INTO(&p->tty, tty, name);
	else
		p->tty[0] = 0;
}

static __always_inline struct task_struct *current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/* The sock behind a file descriptor of the current task, or NULL. */
static __always_inline struct sock *sock_of_fd(struct task_struct *task, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline bool is_inet_proto(const struct sock *sk, __u16 protocol)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family != AF_INET && family != AF_INET6)
		return false;
	return BPF_CORE_READ(sk, sk_protocol) == protocol;
}

/* Local and remote address of a socket into 16-byte buffers (IPv4 in the first 4). */
static __always_inline void read_sock_addrs(const struct sock *sk, __u16 family, __u8 *laddr, __u8 *raddr)
{
	__builtin_memset(laddr, 0, 16);
	__builtin_memset(raddr, 0, 16);
	if (family == AF_INET) {
		bpf_core_read(laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Not skc_num: once a socket is closing, the kernel has released and zeroed it. */
static __always_inline __u16 sock_local_port(const struct sock *sk)
{
	return __builtin_bswap16(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
}

#endif /* BPFAUDIT_COMMON_BPF_H */
