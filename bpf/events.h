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
	EVENT_UDP_FLOW_END = 10, /* a window closed because a later datagram reopened it */
	EVENT_IPSET = 11,        /* one ipset netlink message and the kernel's answer */
	EVENT_TYPE_MAX = 16,
};

/* Indices of the per-CPU "counters" map besides the per-type loss counts. */
enum bpfaudit_counter {
	/* a ring-buffer reservation failed; counted per event type at index type */
	COUNTER_OWNER_MISSING = EVENT_TYPE_MAX,   /* TCP outcome without a known owner */
	COUNTER_EXE_PATH_TRUNCATED,
	COUNTER_MMSG_PARTIAL,  /* sendmmsg/recvmmsg calls with messages past the bound, not in flows */
	COUNTER_MAX = 32,
};

enum bpfaudit_flags {
	FLAG_ARGS_TRUNCATED = 1,
	FLAG_EXE_TRUNCATED = 2,
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
	__u32 pad0;
	__u64 cgroup_id;
	char comm[BPFAUDIT_COMM_LEN];
	char tty[BPFAUDIT_TTY_LEN]; /* kernel tty name, "pts3"; empty without a tty */
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
	__u64 start_ktime; /* process start, CLOCK_BOOTTIME ns */
};

struct tcp_event {
	struct event_header hdr;
	struct proc_ctx proc;
	__u16 family;    /* AF_INET or AF_INET6 */
	__u16 lport;     /* host byte order */
	__u16 rport;     /* host byte order */
	__u8 direction;  /* enum bpfaudit_direction */
	__u8 pad0;
	__u32 error;     /* positive errno of a failed connect, else 0 */
	__u32 pad1;
	__u8 laddr[16];  /* network byte order; IPv4 in the first 4 bytes */
	__u8 raddr[16];
	__u64 duration_ns;    /* close: established to closed */
	__u64 bytes_sent;     /* close: bytes acked by the peer */
	__u64 bytes_received; /* close */
};

enum bpfaudit_udp_dir {
	UDP_DIR_SEND = 0,
	UDP_DIR_RECEIVE = 1,
};

/*
 * One UDP flow: a process and a remote endpoint in one direction. The
 * kernel counts datagrams per flow and window; user space closes windows.
 */
struct udp_flow_key {
	__u32 pid;
	__u32 netns;
	__u16 family;
	__u16 rport;   /* host byte order */
	__u8 dir;      /* enum bpfaudit_udp_dir */
	__u8 pad0[3];
	__u8 raddr[16];
};

struct udp_flow {
	__u64 window_start; /* CLOCK_BOOTTIME ns of the window's first datagram */
	__u64 datagrams;
	__u64 bytes;
	__u64 errors;       /* sends that failed (the syscall returned an error) */
};

struct udp_event {
	struct event_header hdr;
	struct proc_ctx proc;
	struct udp_flow_key key; /* send/receive/flow end; family and remote also for bind/connect */
	struct udp_flow flow;    /* send/receive: this datagram; flow end: the whole closed window */
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

#endif /* BPFAUDIT_EVENTS_H */
