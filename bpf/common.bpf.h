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
const enum bpfaudit_tcp_flags *unused_tcp_flags __attribute__((unused));
const struct proc_ctx *unused_proc_ctx __attribute__((unused));
const enum bpfaudit_fold_key_field *unused_fold_key_field __attribute__((unused));
const enum bpfaudit_filter_field *unused_filter_field __attribute__((unused));
const struct fold_end_event *unused_fold_end_event __attribute__((unused));
const struct filter_rule *unused_filter_rule __attribute__((unused));
const struct runtime_config *unused_runtime_config __attribute__((unused));

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

/* Shared by every object, like events and counters (see the addon's kSharedMaps). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runtime_config);
} runtime SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * FILTER_MAX_RULES);
	__type(key, __u32);
	__type(value, struct filter_rule);
} filter_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	/* user space resizes this before load (config: limits.fold_entries) */
	__uint(max_entries, 65536);
	__type(key, struct fold_key);
	__type(value, struct fold_value);
} folds SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &index);

	if (v)
		*v += 1;
}

/*
 * Waking the reader for every record costs an interrupt here and two thread
 * wake-ups in user space per event. Records are left to accumulate instead;
 * the reader is woken once this much is waiting (user space sets a quarter
 * of the ring, at most 256 KiB), and otherwise reads on its poll timeout
 * (limits.poll_ms), which bounds the added latency.
 */
const volatile __u64 wakeup_bytes = 256 << 10;

static __always_inline __u64 wakeup_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Emits a record built elsewhere; a full ring buffer is counted, never silent. */
static __always_inline void emit(void *record, __u64 size, __u32 type)
{
	if (bpf_ringbuf_output(&events, record, size, wakeup_flags()))
		count(type);
}

static __always_inline void fill_header_at(struct event_header *h, __u32 type, __u32 size, __u64 ktime)
{
	h->type = type;
	h->size = size;
	h->ktime = ktime;
}

static __always_inline void fill_header(struct event_header *h, __u32 type, __u32 size)
{
	fill_header_at(h, type, size, bpf_ktime_get_boot_ns());
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * A kernel pointer of any provenance (a probe read, a raw tracepoint
 * argument) typed for the verifier, so that its fields are plain loads (a
 * fault reads as zero) instead of one bpf_probe_read_kernel call each. The
 * cast itself is free: the verifier turns it into a register move.
 */
#define kernel_view(ptr, type) ((const type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(type)))

/* Set by user space when the memory controller is mounted as a cgroup v1 hierarchy. */
const volatile bool cgroup_v1_memory = false;

/* What bpf_get_current_comm copies, as two loads: with the cgroup id's helper, ~130 ns less per record here. */
static __always_inline void copy_comm(char *dst, const struct task_struct *task)
{
	__builtin_memcpy(dst, task->comm, BPFAUDIT_COMM_LEN);
	dst[BPFAUDIT_COMM_LEN - 1] = 0;
}

/*
 * Who is running: every hook calls this in the task the event belongs to.
 * The task comes as a trusted BTF pointer, so its fields are plain loads
 * (relocated by CO-RE), not one bpf_probe_read_kernel call each: that is
 * most of what a record costs in the kernel.
 */
static __always_inline void fill_proc(struct proc_ctx *p)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_struct *leader = task->group_leader;
	struct task_struct *parent = task->real_parent;
	const struct cred *cred = task->real_cred;
	struct file *exe = task->mm ? task->mm->exe_file : NULL;
	struct tty_struct *tty = task->signal->tty;
	__u64 id = bpf_get_current_pid_tgid();

	p->pid = id >> 32;
	p->tid = (__u32)id;
	p->ppid = parent->tgid;
	p->sid = task->signal->pids[PIDTYPE_SID]->numbers[0].nr;
	p->uid = cred->uid.val;
	p->euid = cred->euid.val;
	p->suid = cred->suid.val;
	p->gid = cred->gid.val;
	p->egid = cred->egid.val;
	if (bpf_core_field_exists(task->loginuid))
		p->auid = task->loginuid.val;
	else
		p->auid = (__u32)-1;
	p->netns = task->nsproxy->net_ns->ns.inum;
	p->exe_ino = exe ? exe->f_inode->i_ino : 0;
	p->exe_dev = exe ? exe->f_inode->i_sb->s_dev : 0;
	/* what bpf_get_current_cgroup_id returns, as loads: the helper calls cost more here */
	p->cgroup_id = kernel_view(task->cgroups, struct css_set)->dfl_cgrp->kn->id;
	copy_comm(p->comm, task);
	p->start_ns = leader->start_boottime;
	p->exec_id = task->self_exec_id;
	p->parent_start_ns = parent->group_leader->start_boottime;
	p->parent_exec_id = leader->parent_exec_id;
	if (bpf_core_field_exists(task->sessionid))
		p->sessionid = task->sessionid;
	else
		p->sessionid = (__u32)-1;
	p->cgroup_v1_id = 0;
	if (cgroup_v1_memory && bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		const struct css_set *cs = kernel_view(task->cgroups, struct css_set);

		p->cgroup_v1_id = cs->subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)]->cgroup->kn->id;
	}
	if (tty)
		bpf_probe_read_kernel_str(p->tty, sizeof(p->tty), tty->name);
	else
		p->tty[0] = 0;
}

/*
 * What a thread leaves for a later hook of the same call (a syscall's exit,
 * the tracepoint after a cgroup hook): a slot per thread id modulo the
 * table's size in a plain array. An LRU hash insert cost 0.2-0.8 µs here and
 * runs on hot paths (every connect's exit looks); an array slot is a few
 * loads. Every slot struct starts with one word: the holder's thread id in
 * the low half, the jiffies of its claim in the high half (reading a clock
 * doubled the cost of a claim), 0 when free. A slot held by another call in
 * flight is never taken: the newcomer goes without and is counted, by its
 * writer (`lost`, when not 0) or, where a claim always comes first, by the
 * reader that finds no slot. A slot held longer than SLOT_STALE (a call
 * whose second hook never ran) is taken over, also counted.
 */
struct thread_slot {
	__u64 word;
};

#define SLOT_STALE 1024 /* jiffies: 1 to 10 s, whatever the kernel's HZ */

static __always_inline struct thread_slot *thread_slot_of(void *slots, __u32 size, __u32 tid)
{
	__u32 key = tid & (size - 1);

	return bpf_map_lookup_elem(slots, &key);
}

/* The slot for tid, claimed, for the caller to fill; NULL when another call holds it. */
static __always_inline void *thread_slot_claim(void *slots, __u32 size, __u32 tid, __u32 lost)
{
	struct thread_slot *slot = thread_slot_of(slots, size, tid);
	__u64 mine = bpf_jiffies64() << 32 | tid, held;
	bool own, taken;

	if (!slot)
		return NULL;
	held = __sync_val_compare_and_swap(&slot->word, 0, mine);
	if (!held)
		return slot;
	/* our own unfinished call, or one left long ago: taken over, unless someone else just did */
	own = (__u32)held == tid;
	taken = (own || (__u32)((mine >> 32) - (held >> 32)) >= SLOT_STALE) &&
		__sync_val_compare_and_swap(&slot->word, held, mine) == held;
	if (lost && !(taken && own))
		count(lost);
	return taken ? slot : NULL;
}

/*
 * A word other CPUs may change, read whole. A plain aligned load is atomic;
 * a locked add of 0 (the obvious atomic read) also pulls the cache line
 * away from the CPU that last wrote it, on paths that only look.
 */
static __always_inline __u64 load_word(const __u64 *word)
{
	return *(const volatile __u64 *)word;
}

/* tid's slot when it holds what tid left, else NULL; *word is what release needs. */
static __always_inline void *thread_slot_find(void *slots, __u32 size, __u32 tid, __u64 *word)
{
	struct thread_slot *slot = thread_slot_of(slots, size, tid);

	if (!slot)
		return NULL;
	*word = load_word(&slot->word);
	return (__u32)*word == tid ? slot : NULL;
}

/*
 * After copying out of a found slot: true when nobody took it over meanwhile
 * (the copy is then whole). The slot is freed for the next call.
 */
static __always_inline bool thread_slot_release(void *slot, __u64 word)
{
	return __sync_val_compare_and_swap(&((struct thread_slot *)slot)->word, word, 0) == word;
}

static __always_inline struct task_struct *current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/*
 * The current task's registers as its syscall saved them: the call's
 * arguments, at its entry and still at its exit. Typed, so that where the
 * architecture keeps them in pt_regs PT_REGS_PARMn_SYSCALL is a plain load
 * instead of a probe read per argument.
 */
static __always_inline const struct pt_regs *syscall_regs(void)
{
	return kernel_view((void *)bpf_task_pt_regs(bpf_get_current_task_btf()), struct pt_regs);
}

/* The sock behind a file descriptor of the current task, or NULL. */
static __always_inline struct sock *sock_of_fd(struct task_struct *task, long fd)
{
	const struct fdtable *fdt = kernel_view(task, struct task_struct)->files->fdt;
	struct file **fds = fdt->fd;
	struct file *file = NULL;
	const struct socket *sock;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	sock = kernel_view(kernel_view(file, struct file)->private_data, struct socket);
	return sock ? sock->sk : NULL;
}

static __always_inline bool sock_kind_is(__u16 family, __u16 protocol, __u16 want_family, __u16 want_protocol)
{
	if (want_family == AF_INET)
		return (family == AF_INET || family == AF_INET6) && protocol == want_protocol;
	return family == want_family && protocol == want_protocol;
}

/* Whether sk (of any provenance) is an inet socket of this protocol. */
static __always_inline bool is_inet_proto(const struct sock *sk, __u16 protocol)
{
	const struct sock *s = kernel_view(sk, struct sock);

	return sk && sock_kind_is(s->__sk_common.skc_family, s->sk_protocol, AF_INET, protocol);
}

/*
 * The same test on a socket a tp_btf hook received as its argument (a BTF
 * pointer): plain loads, no helper calls. Every send and receive on the host
 * pays this early exit, so it must cost next to nothing.
 */
#define BTF_SOCK_IS(sk, family, protocol) sock_kind_is((sk)->__sk_common.skc_family, (sk)->sk_protocol, family, protocol)

/* Local and remote address of a socket into 16-byte buffers (IPv4 in the first 4). */
static __always_inline void read_sock_addrs(const struct sock *sk, __u16 family, __u8 *laddr, __u8 *raddr)
{
	const struct sock_common *c = &kernel_view(sk, struct sock)->__sk_common;
	__u32 l[4] = {}, r[4] = {};
	int i;

	if (family == AF_INET) {
		l[0] = c->skc_rcv_saddr;
		r[0] = c->skc_daddr;
	} else {
		for (i = 0; i < 4; i++) {
			l[i] = c->skc_v6_rcv_saddr.in6_u.u6_addr32[i];
			r[i] = c->skc_v6_daddr.in6_u.u6_addr32[i];
		}
	}
	__builtin_memcpy(laddr, l, 16);
	__builtin_memcpy(raddr, r, 16);
}

/* Not skc_num: once a socket is closing, the kernel has released and zeroed it. */
static __always_inline __u16 sock_local_port(const struct sock *sk)
{
	return __builtin_bswap16(kernel_view(sk, struct inet_sock)->inet_sport);
}

static __always_inline struct runtime_config *runtime_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&runtime, &zero);
}

/* The network side of an event, as filter rules see it. */
struct net_view {
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 pad0;
	__u8 raddr[16];
};

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is matched as the IPv4 address. */
static __always_inline void fill_net_view(struct net_view *n, __u16 family, const __u8 *raddr, __u16 lport, __u16 rport)
{
	__u64 w[2];

	__builtin_memcpy(w, raddr, 16);
	n->lport = lport;
	n->rport = rport;
	n->pad0 = 0;
	if (family == AF_INET6 && w[0] == 0 && (__u32)w[1] == 0xffff0000) {
		__u64 v4[2] = { w[1] >> 32, 0 };

		n->family = AF_INET;
		__builtin_memcpy(n->raddr, v4, 16);
		return;
	}
	n->family = family;
	__builtin_memcpy(n->raddr, w, 16);
}

static __always_inline bool rule_matches(const struct filter_rule *r, __u32 type,
					 const struct proc_ctx *p, const struct net_view *n)
{
	__u32 f = r->fields, neg = r->negate;

	if ((f & (FILTER_PORT | FILTER_ADDR)) && !n)
		return false;
	if (f & FILTER_KINDS) {
		if (!(r->kinds & (1U << (type & 31))) != !!(neg & FILTER_KINDS))
			return false;
	}
	if (f & FILTER_EXE) {
		bool same = p->exe_ino == r->exe_ino && p->exe_dev == r->exe_dev;

		if (same == !!(neg & FILTER_EXE))
			return false;
	}
	if (f & FILTER_UID) {
		if ((p->uid == r->uid) == !!(neg & FILTER_UID))
			return false;
	}
	if (n && (f & FILTER_PORT)) {
		bool same = n->lport == r->port || n->rport == r->port;

		if (same == !!(neg & FILTER_PORT))
			return false;
	}
	if (n && (f & FILTER_ADDR)) {
		__u64 a[2], m[2], net[2];
		bool same;

		__builtin_memcpy(a, n->raddr, 16);
		__builtin_memcpy(m, r->mask, 16);
		__builtin_memcpy(net, r->addr, 16);
		same = n->family == r->family && (a[0] & m[0]) == net[0] && (a[1] & m[1]) == net[1];
		if (same == !!(neg & FILTER_ADDR))
			return false;
	}
	return true;
}

/*
 * The rules of the set in force: a global function, which the verifier
 * checks once, not once per call site. n is NULL for events without a
 * network side.
 */
__noinline int matches_ignore_rule(__u32 type, const struct proc_ctx *p, const struct net_view *n)
{
	struct runtime_config *rt = runtime_config();
	__u32 set, rules, i;

	if (!rt || !p)
		return 0;
	set = rt->rule_set & 1;
	rules = rt->rule_count[set];
	for (i = 0; i < FILTER_MAX_RULES; i++) {
		__u32 index = set * FILTER_MAX_RULES + i;
		struct filter_rule *r;

		if (i >= rules)
			break;
		r = bpf_map_lookup_elem(&filter_rules, &index);
		if (r && rule_matches(r, type, p, n)) {
			count(COUNTER_FILTERED + (type & (EVENT_TYPE_MAX - 1)));
			return 1;
		}
	}
	return 0;
}

/*
 * True when an "ignore" rule in force drops this event; it is then counted
 * as filtered in the kernel and never reaches the ring buffer. With no
 * rules (the default) no call is made: a BPF-to-BPF call costs a frame and
 * a mitigated return on every record and every folded repeat.
 */
static __always_inline bool ignored(const struct runtime_config *rt, __u32 type, const struct proc_ctx *p,
				    const struct net_view *n)
{
	return rt && rt->rule_count[rt->rule_set & 1] && matches_ignore_rule(type, p, n);
}

enum fold_outcome {
	FOLD_FIRST,    /* the first occurrence of a window: emit it */
	FOLD_COUNTED,  /* counted into an open window: emit nothing */
	FOLD_REOPENED, /* the previous window's totals were emitted; emit this as the first of a new one */
};

/* Builds a fold key, leaving out the fields that are not among `keys`. */
static __always_inline void fold_key_of(struct fold_key *k, __u32 type, const struct proc_ctx *p, __u16 family,
					const __u8 *raddr, __u16 port, __s32 error, __u8 direction, __u32 keys)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->type = type;
	k->direction = direction;
	k->netns = p->netns;
	k->family = family;
	k->error = error;
	if (keys & FOLD_KEY_PID)
		k->pid = p->pid;
	if (keys & FOLD_KEY_UID)
		k->uid = p->uid;
	if (keys & FOLD_KEY_PORT)
		k->port = port;
	if (keys & FOLD_KEY_ADDR)
		__builtin_memcpy(k->addr, raddr, 16);
}

/* Counts add into the window f when that window is still open; true when it did. */
static __always_inline bool fold_into_open(struct fold_value *f, const struct fold_value *add, __u64 window)
{
	if (!f || add->window_start - f->window_start >= window)
		return false;
	__sync_fetch_and_add(&f->count, add->count);
	/* a locked add each: connects and accepts carry no bytes */
	if (add->a)
		__sync_fetch_and_add(&f->a, add->a);
	if (add->b)
		__sync_fetch_and_add(&f->b, add->b);
	count(COUNTER_FOLDED);
	return true;
}

/*
 * A key's first occurrence, or one after its window ended (or a repeat that
 * raced another CPU here). Global, like matches_ignore_rule(): the verifier
 * checks it once, and its fold-end record is on its own stack.
 */
__noinline int fold_open(const struct fold_key *k, const struct fold_value *add, __u64 window)
{
	struct fold_value *f;
	struct fold_end_event end;

	if (!k || !add)
		return FOLD_FIRST;
	f = bpf_map_lookup_elem(&folds, k);
	if (fold_into_open(f, add, window))
		return FOLD_COUNTED;
	if (!f) {
		bpf_map_update_elem(&folds, k, add, BPF_ANY);
		return FOLD_FIRST;
	}
	__builtin_memcpy(&end.key, k, sizeof(end.key));
	end.value = *f;
	*f = *add;
	fill_header(&end.hdr, EVENT_FOLD_END, sizeof(end));
	emit(&end, sizeof(end), EVENT_FOLD_END);
	return FOLD_REOPENED;
}

/* add: this occurrence, with add->window_start = now. The common case, a repeat in an open window, makes no call. */
static __always_inline int fold_occurrence(const struct fold_key *k, const struct fold_value *add, __u64 window)
{
	if (fold_into_open(bpf_map_lookup_elem(&folds, k), add, window))
		return FOLD_COUNTED;
	return fold_open(k, add, window);
}

#endif /* BPFAUDIT_COMMON_BPF_H */
