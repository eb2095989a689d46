// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* process.exec and process.exit from the sched tracepoints. */
#include "common.bpf.h"

/* Deep enough for any real binary path; deeper paths are flagged truncated. */
#define PATH_MAX_DEPTH 32
#define NAME_MAX_LEN 255
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

const volatile bool capture_args = true;

/* Exec records are too large for the BPF stack; one scratch record per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_event);
} exec_scratch SEC(".maps");

/*
 * The name a thread had before exec replaced it: sched_process_exec sees the
 * new one. Left in the thread's slot when the kernel commits to the exec
 * (sched_prepare_exec, so execs that fail early cost nothing) and taken at
 * sched_process_exec; an exec that found its slot held by another exec in
 * flight falls back to the new name and is counted.
 */
#define EXEC_COMM_SLOTS 8192

struct exec_comm_slot {
	struct thread_slot head;
	char comm[BPFAUDIT_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EXEC_COMM_SLOTS);
	__type(key, __u32);
	__type(value, struct exec_comm_slot);
} exec_comm SEC(".maps");

/* Keep the BTF of the layout structs in the object for the layout test. */
const struct exec_event *unused_exec_event __attribute__((unused));
const struct exit_event *unused_exit_event __attribute__((unused));

static __always_inline int remember_comm(__u32 tid)
{
	struct exec_comm_slot *slot = thread_slot_claim(&exec_comm, EXEC_COMM_SLOTS, tid, 0);

	if (slot)
		copy_comm(slot->comm, bpf_get_current_task_btf());
	return 0;
}

SEC("tp_btf/sched_prepare_exec")
int BPF_PROG(bpfaudit_prepare_exec, struct task_struct *task, struct linux_binprm *bprm)
{
	return remember_comm(task->pid);
}

/* Kernels before 6.10 lack sched_prepare_exec: every execve call then notes the name. */
SEC("tp/syscalls/sys_enter_execve")
int bpfaudit_enter_execve(void *ctx)
{
	return remember_comm((__u32)bpf_get_current_pid_tgid());
}

SEC("tp/syscalls/sys_enter_execveat")
int bpfaudit_enter_execveat(void *ctx)
{
	return remember_comm((__u32)bpf_get_current_pid_tgid());
}

/* The name tid had before this exec; false when its slot was held by another exec. */
static __always_inline bool take_old_comm(__u32 tid, char *out)
{
	__u64 word;
	struct exec_comm_slot *slot = thread_slot_find(&exec_comm, EXEC_COMM_SLOTS, tid, &word);

	if (!slot)
		return false;
	__builtin_memcpy(out, slot->comm, BPFAUDIT_COMM_LEN);
	return thread_slot_release(slot, word);
}

/*
 * What kind of file runs: one with no name in any tree (memfd: a pseudo
 * dentry, its own parent, not the root of its mount), one unlinked while it
 * runs (an unhashed dentry), one on an overlayfs upper layer (the overlay
 * inode has an upper dentry: the file was written or changed in the
 * container, not taken from its image).
 */
static __always_inline void exe_kind(struct exec_event *e, const struct dentry *dentry,
				     const struct vfsmount *vfsmnt)
{
	const struct dentry *parent = dentry->d_parent;

	if (dentry == parent && dentry != vfsmnt->mnt_root)
		e->flags |= FLAG_EXE_FILELESS;
	else if (!dentry->d_hash.pprev)
		e->flags |= FLAG_EXE_DELETED;
	if (dentry->d_sb->s_magic == OVERLAYFS_SUPER_MAGIC) {
		const struct ovl_inode *oi = kernel_view(container_of(dentry->d_inode, struct ovl_inode, vfs_inode),
							 struct ovl_inode);

		if (oi->__upperdentry)
			e->flags |= FLAG_EXE_OVERLAY_UPPER;
	}
}

/*
 * Writes the path of file into e->exe from the end backwards, so that the
 * start offset is the only thing user space needs. Crosses mount points up to
 * the root of the task's mount namespace.
 */
static __always_inline void read_exe_path(struct exec_event *e, const struct file *file)
{
	/*
	 * The offset lives in the map value and is reloaded each step: the
	 * verifier then sees an unknown bounded scalar instead of a distinct
	 * constant per iteration, so its states merge and the loop verifies.
	 */
	volatile __u16 *off = &e->exe_off;
	const struct dentry *dentry = file->f_path.dentry;
	const struct vfsmount *vfsmnt = file->f_path.mnt;
	const struct mount *mnt = kernel_view(container_of(vfsmnt, struct mount, mnt), struct mount);
	int i;

	*off = BPFAUDIT_EXE_LEN;
	exe_kind(e, dentry, vfsmnt);
	for (i = 0; i < PATH_MAX_DEPTH; i++) {
		const struct dentry *root = vfsmnt->mnt_root;
		const struct dentry *parent = dentry->d_parent;
		const unsigned char *name;
		__u32 len, pos;

		/* a pseudo file (memfd) is its own parent: its one name is the whole path */
		if ((dentry == root || dentry == parent) && !(i == 0 && (e->flags & FLAG_EXE_FILELESS))) {
			const struct mount *up = mnt->mnt_parent;

			if (up == mnt)
				break;
			dentry = mnt->mnt_mountpoint;
			mnt = up;
			vfsmnt = &up->mnt;
			continue;
		}
		len = dentry->d_name.len;
		name = dentry->d_name.name;
		if (len > NAME_MAX_LEN)
			len = NAME_MAX_LEN;
		pos = *off;
		if (pos < len + 1) {
			e->flags |= FLAG_EXE_TRUNCATED;
			break;
		}
		pos -= len + 1;
		*off = pos;
		e->exe[pos & (BPFAUDIT_EXE_LEN - 1)] = '/';
		bpf_probe_read_kernel(&e->exe[(pos + 1) & (BPFAUDIT_EXE_LEN - 1)],
				      len & NAME_MAX_LEN, name);
		if (e->flags & FLAG_EXE_FILELESS)
			break;
		dentry = parent;
	}
	if (i == PATH_MAX_DEPTH)
		e->flags |= FLAG_EXE_TRUNCATED;
	if (*off >= BPFAUDIT_EXE_LEN) {
		*off = BPFAUDIT_EXE_LEN - 1;
		e->exe[BPFAUDIT_EXE_LEN - 1] = '/';
	}
	if (e->flags & FLAG_EXE_TRUNCATED)
		count(COUNTER_EXE_PATH_TRUNCATED);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bpfaudit_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct exec_event *e = bpf_map_lookup_elem(&exec_scratch, &zero);
	const struct mm_struct *mm;
	__u64 arg_start, arg_end, size;
	__u32 len = 0;

	if (!e)
		return 0;
	e->flags = 0;
	e->pad0 = 0;
	fill_proc(&e->proc);
	if (!take_old_comm(old_pid, e->old_comm)) {
		__builtin_memcpy(e->old_comm, e->proc.comm, BPFAUDIT_COMM_LEN);
		count(COUNTER_EXEC_COMM_MISSED);
	}
	read_exe_path(e, kernel_view(bprm->file, struct file));

	mm = kernel_view(task->mm, struct mm_struct);
	arg_start = mm->arg_start;
	arg_end = mm->arg_end;
	size = arg_end > arg_start ? arg_end - arg_start : 0;
	e->args_size = size;
	if (capture_args && size) {
		len = size < BPFAUDIT_ARGS_LEN ? size : BPFAUDIT_ARGS_LEN;
		if (bpf_probe_read_user(e->args, len & (BPFAUDIT_ARGS_LEN * 2 - 1), (void *)arg_start))
			len = 0;
		if (size > len)
			e->flags |= FLAG_ARGS_TRUNCATED;
	}
	e->args_len = len;
	size = offsetof(struct exec_event, args) + (len & (BPFAUDIT_ARGS_LEN * 2 - 1));
	if (size > sizeof(*e))
		size = sizeof(*e);
	if (ignored(runtime_config(), EVENT_EXEC, &e->proc, NULL))
		return 0;
	fill_header(&e->hdr, EVENT_EXEC, size);
	emit(e, size, EVENT_EXEC);
	return 0;
}

/* A fixed-size record, built in the ring itself: no stack copy to clear and copy again. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(bpfaudit_exit, struct task_struct *task)
{
	struct exit_event *e;

	/* one record per process: only when the last thread of the group leaves */
	if (task->signal->live.counter != 0)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(EVENT_EXIT);
		return 0;
	}
	fill_proc(&e->proc);
	if (ignored(runtime_config(), EVENT_EXIT, &e->proc, NULL)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	e->exit_code = task->exit_code;
	e->pad0 = 0;
	fill_header(&e->hdr, EVENT_EXIT, sizeof(*e));
	bpf_ringbuf_submit(e, wakeup_flags());
	return 0;
}
