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
  EVENT_FOLD_END: 10,
  EVENT_IPSET: 11,
  EVENT_TYPE_MAX: 16,
} as const;

export const Counter = {
  COUNTER_EXE_PATH_TRUNCATED: 16,
  COUNTER_FOLDED: 17,
  COUNTER_EXEC_COMM_MISSED: 18,
  COUNTER_INBOUND_NEW: 19,
  COUNTER_INBOUND_VLAN: 21,
  COUNTER_UDP_CALL_MISSED: 22,
  COUNTER_FILTERED: 32,
  COUNTER_NO_OWNER: 48,
  COUNTER_MAX: 64,
} as const;

export const Flags = {
  FLAG_ARGS_TRUNCATED: 1,
  FLAG_EXE_TRUNCATED: 2,
  FLAG_EXE_FILELESS: 4,
  FLAG_EXE_DELETED: 8,
  FLAG_EXE_OVERLAY_UPPER: 16,
} as const;

export const TcpFlags = {
  TCP_FLAG_NO_OWNER: 1,
  TCP_FLAG_START_UNKNOWN: 2,
} as const;

export const Direction = {
  DIRECTION_OUTBOUND: 0,
  DIRECTION_INBOUND: 1,
} as const;

export const FoldKeyField = {
  FOLD_KEY_PID: 1,
  FOLD_KEY_UID: 2,
  FOLD_KEY_ADDR: 4,
  FOLD_KEY_PORT: 8,
} as const;

export const FilterField = {
  FILTER_EXE: 1,
  FILTER_UID: 2,
  FILTER_PORT: 4,
  FILTER_ADDR: 8,
  FILTER_KINDS: 16,
} as const;

export const FILTER_MAX_RULES = 64;

/** enum name in C -> mirrored values */
export const ENUMS: Record<string, Record<string, number>> = {
  bpfaudit_event_type: EventType,
  bpfaudit_counter: Counter,
  bpfaudit_flags: Flags,
  bpfaudit_tcp_flags: TcpFlags,
  bpfaudit_direction: Direction,
  bpfaudit_fold_key_field: FoldKeyField,
  bpfaudit_filter_field: FilterField,
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
  size: 152,
  fields: {
    pid: 0, tid: 4, ppid: 8, sid: 12, uid: 16, euid: 20, suid: 24, gid: 28, egid: 32, auid: 36,
    netns: 40, exe_dev: 44, exe_ino: 48, cgroup_id: 56, comm: 64, tty: 80, start_ns: 112, exec_id: 120,
    parent_start_ns: 128, parent_exec_id: 136, sessionid: 144, cgroup_v1_id: 148,
  },
};

export const EXEC_EVENT: StructLayout = {
  size: 4808,
  fields: {
    hdr: 0, proc: 16, old_comm: 168, args_len: 184, args_size: 188, exe_off: 192, flags: 194,
    pad0: 196, exe: 200, args: 712,
  },
};

export const EXIT_EVENT: StructLayout = {
  size: 176,
  fields: {
    hdr: 0, proc: 16, exit_code: 168, pad0: 172,
  },
};

export const FOLD_KEY: StructLayout = {
  size: 44,
  fields: { type: 0, pid: 4, uid: 8, netns: 12, family: 16, port: 18, error: 20, direction: 24, pad0: 25, addr: 28 },
};

export const FOLD_VALUE: StructLayout = {
  size: 32,
  fields: { window_start: 0, count: 8, a: 16, b: 24 },
};

export const FOLD_END_EVENT: StructLayout = {
  size: 96,
  fields: { hdr: 0, key: 16, value: 64 },
};

export const TCP_EVENT: StructLayout = {
  size: 288,
  fields: {
    hdr: 0, proc: 16, family: 168, lport: 170, rport: 172, direction: 174, folded: 175, error: 176,
    flags: 180, laddr: 184, raddr: 200, duration_ns: 216, bytes_sent: 224, bytes_received: 232,
    key: 240,
  },
};

export const UDP_EVENT: StructLayout = {
  size: 272,
  fields: {
    hdr: 0, proc: 16, key: 168, flow: 216, lport: 248, requested_port: 250, error: 252, laddr: 256,
  },
};

export const IPSET_EVENT: StructLayout = {
  size: 8376,
  fields: {
    hdr: 0, proc: 16, result: 168, msg_len: 172, msg_size: 176, index: 180, result_known: 182,
    pad0: 183, msg: 184,
  },
};

export const FILTER_RULE: StructLayout = {
  size: 64,
  fields: { fields: 0, negate: 4, kinds: 8, uid: 12, exe_ino: 16, exe_dev: 24, port: 28, family: 30, addr: 32, mask: 48 },
};

export const RUNTIME_CONFIG: StructLayout = {
  size: 40,
  fields: { rule_set: 0, rule_count: 4, fold_types: 12, fold_keys: 16, pad0: 20, fold_window_ns: 24, udp_window_ns: 32 },
};

/** C struct name -> mirror */
export const INBOUND_PORT_BITS = 1024;

export const INBOUND_KEY: StructLayout = {
  size: 28,
  fields: { window: 0, ifindex: 4, family: 8, pad0: 10, addr: 12 },
};

export const INBOUND_COUNTS: StructLayout = {
  size: 152,
  fields: { packets: 0, bytes: 8, syns: 16, closed_syns: 20, ports: 24 },
};

export const STRUCTS: Record<string, StructLayout> = {
  event_header: EVENT_HEADER,
  proc_ctx: PROC_CTX,
  exec_event: EXEC_EVENT,
  exit_event: EXIT_EVENT,
  tcp_event: TCP_EVENT,
  fold_key: FOLD_KEY,
  fold_value: FOLD_VALUE,
  fold_end_event: FOLD_END_EVENT,
  udp_event: UDP_EVENT,
  ipset_event: IPSET_EVENT,
  filter_rule: FILTER_RULE,
  runtime_config: RUNTIME_CONFIG,
  inbound_key: INBOUND_KEY,
  inbound_counts: INBOUND_COUNTS,
};

/** Batch framing written by the addon: u32 length, u32 zero, record, padding to 8. */
export const FRAME_HEADER = 8;
