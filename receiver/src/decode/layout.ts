// User-space mirror of bpf/events.h. test/unit/layout_btf.test.ts compares
// every struct, offset and enum value here with the compiled objects' BTF.

export const COMM_LEN = 16;
export const TTY_LEN = 32;
export const EXE_LEN = 512;
export const ARGS_LEN = 4096;
export const IPSET_MSG_LEN = 8192;

export const EventType = {
  EVENT_EXEC: 1,
  EVENT_EXIT: 2,
  EVENT_TCP_CONNECT: 3,
  EVENT_TCP_ACCEPT: 4,
  EVENT_TCP_CLOSE: 5,
  EVENT_UDP_BIND: 6,
  EVENT_UDP_CONNECT: 7,
  EVENT_UDP_SEND: 8,
  EVENT_UDP_RECEIVE: 9,
  EVENT_UDP_FLOW_END: 10,
  EVENT_IPSET: 11,
  EVENT_TYPE_MAX: 16,
} as const;

export const Counter = {
  COUNTER_OWNER_MISSING: 16,
  COUNTER_EXE_PATH_TRUNCATED: 17,
  COUNTER_MMSG_PARTIAL: 18,
  COUNTER_MAX: 32,
} as const;

export const Flags = {
  FLAG_ARGS_TRUNCATED: 1,
  FLAG_EXE_TRUNCATED: 2,
} as const;

export const Direction = {
  DIRECTION_OUTBOUND: 0,
  DIRECTION_INBOUND: 1,
} as const;

export const UdpDir = {
  UDP_DIR_SEND: 0,
  UDP_DIR_RECEIVE: 1,
} as const;

/** enum name in C -> mirrored values */
export const ENUMS: Record<string, Record<string, number>> = {
  bpfaudit_event_type: EventType,
  bpfaudit_counter: Counter,
  bpfaudit_flags: Flags,
  bpfaudit_direction: Direction,
  bpfaudit_udp_dir: UdpDir,
};

export interface StructLayout {
  size: number;
  /** field name -> byte offset */
  fields: Record<string, number>;
}

export const EVENT_HEADER: StructLayout = {
  size: 16,
  fields: { type: 0, size: 4, ktime: 8 },
};

export const PROC_CTX: StructLayout = {
  size: 104,
  fields: {
    pid: 0, tid: 4, ppid: 8, sid: 12, uid: 16, euid: 20, suid: 24, gid: 28, egid: 32,
    auid: 36, netns: 40, pad0: 44, cgroup_id: 48, comm: 56, tty: 72,
  },
};

export const EXEC_EVENT: StructLayout = {
  size: 4760,
  fields: {
    hdr: 0, proc: 16, old_comm: 120, args_len: 136, args_size: 140, exe_off: 144,
    flags: 146, pad0: 148, exe: 152, args: 664,
  },
};

export const EXIT_EVENT: StructLayout = {
  size: 136,
  fields: { hdr: 0, proc: 16, exit_code: 120, pad0: 124, start_ktime: 128 },
};

export const TCP_EVENT: StructLayout = {
  size: 192,
  fields: {
    hdr: 0, proc: 16, family: 120, lport: 122, rport: 124, direction: 126, pad0: 127,
    error: 128, pad1: 132, laddr: 136, raddr: 152, duration_ns: 168, bytes_sent: 176,
    bytes_received: 184,
  },
};

export const UDP_FLOW_KEY: StructLayout = {
  size: 32,
  fields: { pid: 0, netns: 4, family: 8, rport: 10, dir: 12, pad0: 13, raddr: 16 },
};

export const UDP_FLOW: StructLayout = {
  size: 32,
  fields: { window_start: 0, datagrams: 8, bytes: 16, errors: 24 },
};

export const UDP_EVENT: StructLayout = {
  size: 208,
  fields: { hdr: 0, proc: 16, key: 120, flow: 152, lport: 184, requested_port: 186, error: 188, laddr: 192 },
};

export const IPSET_EVENT: StructLayout = {
  size: 8328,
  fields: { hdr: 0, proc: 16, result: 120, msg_len: 124, msg_size: 128, index: 132, result_known: 134, pad0: 135, msg: 136 },
};

/** C struct name -> mirror */
export const STRUCTS: Record<string, StructLayout> = {
  event_header: EVENT_HEADER,
  proc_ctx: PROC_CTX,
  exec_event: EXEC_EVENT,
  exit_event: EXIT_EVENT,
  tcp_event: TCP_EVENT,
  udp_flow_key: UDP_FLOW_KEY,
  udp_flow: UDP_FLOW,
  udp_event: UDP_EVENT,
  ipset_event: IPSET_EVENT,
};

/** Batch framing written by the addon: u32 length, u32 zero, record, padding to 8. */
export const FRAME_HEADER = 8;
