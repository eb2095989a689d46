/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of the kernel/user-space event layout.
 *
 * Every record in the ring buffer starts with struct event_header. Fields are
 * fixed-width and padded explicitly so that the layout does not depend on the
 * compiler; receiver/src/decode/layout.ts mirrors these offsets and
 * test/unit/layout_btf.test.ts compares the two through the object's BTF.
 */
#ifndef BPFAUDIT_EVENTS_H
#define BPFAUDIT_EVENTS_H

#define BPFAUDIT_COMM_LEN 16
#define BPFAUDIT_TTY_LEN 32
/* Both are powers of two: the BPF side masks offsets with (LEN - 1). */
#define BPFAUDIT_EXE_LEN 512
#define BPFAUDIT_ARGS_LEN 4096
#define BPFAUDIT_IPSET_MSG_LEN 8192

enum bpfaudit_event_type {
	EVENT_EXEC = 1,
	EVENT_EXIT = 2,
	EVENT_TCP_CONNECT = 3,
	EVENT_TCP_ACCEPT = 4,
	EVENT_TCP_CLOSE = 5,
	EVENT_UDP_BIND = 6,
	EVENT_UDP_CONNECT = 7,
	EVENT_UDP_SEND = 8,    /* first datagram of a flow window */
	EVENT_UDP_RECEIVE = 9, /* first datagram of a flow window */
	EVENT_FOLD_END = 10,   /* a fold window closed because a later occurrence reopened it */
	EVENT_IPSET = 11,      /* one ipset netlink message and the kernel's answer */
	EVENT_TYPE_MAX = 16,
};

/*
 * The per-CPU "counters" map: [0, EVENT_TYPE_MAX) ring-buffer reservations
 * that failed, by event type; then single counters; [COUNTER_FILTERED,
 * +EVENT_TYPE_MAX) events a filter rule dropped in the kernel, by type;
 * [COUNTER_NO_OWNER, +EVENT_TYPE_MAX) events without a known process, by type.
 */
enum bpfaudit_counter {
	COUNTER_EXE_PATH_TRUNCATED = EVENT_TYPE_MAX,
	COUNTER_FOLDED,        /* occurrences counted into an open fold window instead of emitted */
	COUNTER_EXEC_COMM_MISSED, /* execs whose name before exec was overwritten by another exec in flight */
	COUNTER_INBOUND_NEW,   /* + (window & 1): inbound sources first seen in a window (minus those drained: evicted) */
	COUNTER_INBOUND_VLAN = COUNTER_INBOUND_NEW + 2, /* inbound frames still VLAN-tagged after the kernel's untag: passed on uncounted */
	COUNTER_UDP_CALL_MISSED, /* UDP calls whose bind/connect arguments or datagram address found their thread slot held by another call */
	COUNTER_FILTERED = 32,
	COUNTER_NO_OWNER = 48, /* + type: events whose process could not be known (emitted, flagged) */
	COUNTER_MAX = 64,
};

enum bpfaudit_flags {
	FLAG_ARGS_TRUNCATED = 1,
	FLAG_EXE_TRUNCATED = 2,
	FLAG_EXE_FILELESS = 4,      /* a file with no name in any tree: memfd_create, O_TMPFILE's kin */
	FLAG_EXE_DELETED = 8,       /* unlinked while it runs */
	FLAG_EXE_OVERLAY_UPPER = 16, /* on an overlayfs upper layer: written in the container, not in its image */
};

enum bpfaudit_tcp_flags {
	TCP_FLAG_NO_OWNER = 1,      /* no process was seen taking this socket: proc is empty but for netns */
	TCP_FLAG_START_UNKNOWN = 2, /* established before the probes saw it: no duration, no direction */
};

enum bpfaudit_direction {
	DIRECTION_OUTBOUND = 0, /* we connected: local is the client */
	DIRECTION_INBOUND = 1,  /* we accepted: local is the server */
};

struct event_header {
	__u32 type;
	__u32 size;  /* bytes of this record that carry data */
	__u64 ktime; /* CLOCK_BOOTTIME, ns */
};

/* Who did it: read from the acting task (or its socket's owner). */
struct proc_ctx {
	__u32 pid;  /* thread-group id */
	__u32 tid;
	__u32 ppid;
	__u32 sid;  /* session leader pid */
	__u32 uid;
	__u32 euid;
	__u32 suid;
	__u32 gid;
	__u32 egid;
	__u32 auid; /* loginuid, (__u32)-1 when unset */
	__u32 netns;
	__u32 exe_dev;  /* identity of the running binary: device and inode */
	__u64 exe_ino;
	__u64 cgroup_id;
	char comm[BPFAUDIT_COMM_LEN];
	char tty[BPFAUDIT_TTY_LEN]; /* kernel tty name, "pts3"; empty without a tty */
	/*
	 * Identity: a process is (pid, start_ns); each exec replaces its program
	 * and raises exec_id (the kernel's self_exec_id), so (pid, start_ns,
	 * exec_id) names one program run. The parent is named the same way, as
	 * it was when it forked this process.
	 */
	__u64 start_ns;        /* the thread group's start, CLOCK_BOOTTIME ns */
	__u64 exec_id;
	__u64 parent_start_ns;
	__u64 parent_exec_id;
	__u32 sessionid;       /* audit session (auditd's "ses"), (__u32)-1 when unset */
	/*
	 * On hosts with cgroup v1 hierarchies, the cgroup of the memory
	 * controller (its kernfs id, which the directory's inode number
	 * repeats): where v1 container runtimes put each container. 0 when
	 * user space did not ask for it (a cgroup-v2-only host).
	 */
	__u32 cgroup_v1_id;
};

struct exec_event {
	struct event_header hdr;
	struct proc_ctx proc;
	char old_comm[BPFAUDIT_COMM_LEN]; /* the name before exec replaced it */
	__u32 args_len;  /* bytes of args[] filled, NUL-separated argv */
	__u32 args_size; /* bytes argv occupies in the process */
	__u16 exe_off;   /* the path is exe[exe_off .. BPFAUDIT_EXE_LEN) */
	__u16 flags;     /* enum bpfaudit_flags */
	__u32 pad0;
	char exe[BPFAUDIT_EXE_LEN];
	char args[BPFAUDIT_ARGS_LEN];
};

struct exit_event {
	struct event_header hdr;
	struct proc_ctx proc;
	__u32 exit_code; /* wait status: code << 8 | signal */
	__u32 pad0;
};

/*
 * Folding: occurrences that say the same thing (same kind, process, user,
 * remote end, service port, outcome) within a window are counted in the
 * kernel's "folds" map; only the first of each window is emitted, and user
 * space closes the window with the totals. Fields outside the configured
 * fold keys are zero.
 */
struct fold_key {
	__u32 type;
	__u32 pid;
	__u32 uid;
	__u32 netns;
	__u16 family;
	__u16 port;   /* host byte order: the remote port, or the local one when we accepted */
	__s32 error;
	__u8 direction; /* enum bpfaudit_direction: both ends of one connection in one process stay apart */
	__u8 pad0[3];
	__u8 addr[16]; /* the remote address */
};

struct fold_value {
	__u64 window_start; /* CLOCK_BOOTTIME ns of the window's first occurrence */
	__u64 count;        /* occurrences (UDP: datagrams) */
	__u64 a;            /* UDP: bytes; TCP close: bytes sent */
	__u64 b;            /* UDP send: failed sends; TCP close: bytes received */
};

enum bpfaudit_fold_key_field {
	FOLD_KEY_PID = 1,
	FOLD_KEY_UID = 2,
	FOLD_KEY_ADDR = 4,
	FOLD_KEY_PORT = 8,
};

struct fold_end_event {
	struct event_header hdr;
	struct fold_key key;
	struct fold_value value; /* the closed window's totals */
};

struct tcp_event {
	struct event_header hdr;
	struct proc_ctx proc;
	__u16 family;    /* AF_INET or AF_INET6 */
	__u16 lport;     /* host byte order */
	__u16 rport;     /* host byte order */
	__u8 direction;  /* enum bpfaudit_direction */
	__u8 folded;     /* 1: the first of a fold window, user space holds it for the totals */
	__u32 error;     /* positive errno of a failed connect, else 0 */
	__u32 flags;     /* enum bpfaudit_tcp_flags */
	__u8 laddr[16];  /* network byte order; IPv4 in the first 4 bytes */
	__u8 raddr[16];
	__u64 duration_ns;    /* close: established to closed */
	__u64 bytes_sent;     /* close: payload bytes sent */
	__u64 bytes_received; /* close */
	struct fold_key key;  /* when folded */
};

/* UDP send/receive are always folded: a flow is a fold of datagrams. */
struct udp_event {
	struct event_header hdr;
	struct proc_ctx proc;
	struct fold_key key;     /* family and remote end; the fold key for send/receive */
	struct fold_value flow;  /* send/receive: this syscall's datagrams */
	__u16 lport;          /* host byte order; bind: the port bound */
	__u16 requested_port; /* bind: the port asked for (0 = any) */
	__s32 error;          /* negative errno of the syscall, 0 on success */
	__u8 laddr[16];
};

/*
 * An ipset command as the process sent it (the whole netlink message:
 * nlmsghdr, nfgenmsg, attributes; user space parses it) and the result the
 * kernel queued in its answer before the syscall returned.
 */
struct ipset_event {
	struct event_header hdr;
	struct proc_ctx proc;
	__s32 result;      /* 0, or the negative errno / -IPSET_ERR_* of the kernel's ack */
	__u32 msg_len;     /* bytes of msg[] filled */
	__u32 msg_size;    /* nlmsg_len as sent; more than msg_len when cut */
	__u16 index;       /* position of the message within its syscall */
	__u8 result_known; /* 0 when no answer was queued for it */
	__u8 pad0;
	__u8 msg[BPFAUDIT_IPSET_MSG_LEN];
};

#define FILTER_MAX_RULES 64

enum bpfaudit_filter_field {
	FILTER_EXE = 1,
	FILTER_UID = 2,
	FILTER_PORT = 4,  /* the local or the remote port */
	FILTER_ADDR = 8,  /* the remote address, under a mask */
	FILTER_KINDS = 16,
};

/*
 * One "ignore" rule: an event is dropped when every field set in `fields`
 * matches (each test inverted when its bit is set in `negate`).
 */
struct filter_rule {
	__u32 fields;
	__u32 negate;
	__u32 kinds;    /* bits 1 << event type */
	__u32 uid;
	__u64 exe_ino;
	__u32 exe_dev;
	__u16 port;
	__u16 family;   /* of addr/mask: AF_INET or AF_INET6 */
	__u8 addr[16];  /* the network, already masked */
	__u8 mask[16];
};

/*
 * Settings user space may change while the probes run (SIGHUP). filter_rules
 * holds two sets of FILTER_MAX_RULES; a reload fills the set not in force,
 * then flips rule_set, so every event meets exactly one complete rule set.
 */
struct runtime_config {
	__u32 rule_set;    /* 0 or 1 */
	__u32 rule_count[2];
	__u32 fold_types;  /* bits 1 << event type whose repeats are folded */
	__u32 fold_keys;   /* enum bpfaudit_fold_key_field */
	__u32 pad0;
	__u64 fold_window_ns;
	__u64 udp_window_ns;
};

/*
 * Inbound traffic per source address and window, counted at tc/tcx ingress.
 * The window number is part of the key: user space moves the programs to
 * the next window, then drains the previous one undisturbed.
 */
#define INBOUND_PORT_BITS 1024

struct inbound_key {
	__u32 window;
	__u32 ifindex;
	__u16 family;
	__u16 pad0;
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
};

struct inbound_counts {
	__u64 packets;
	__u64 bytes;       /* skb->len: the frame as received, link header included */
	__u32 syns;        /* TCP segments with SYN and without ACK */
	__u32 closed_syns; /* of those, the ones the host answered with a reset from no socket */
	/* destination ports of TCP and UDP, one bit per port modulo INBOUND_PORT_BITS */
	__u64 ports[INBOUND_PORT_BITS / 64];
};

#endif /* BPFAUDIT_EVENTS_H */
