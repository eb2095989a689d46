// Decoded kernel events: the typed form every later stage works on.

/** Immutable: the decoder hands one object to every record of a thread whose context did not change. */
export interface ProcInfo {
  readonly pid: number;
  readonly tid: number;
  readonly ppid: number;
  readonly sid: number;
  readonly uid: number;
  readonly euid: number;
  readonly suid: number;
  readonly gid: number;
  readonly egid: number;
  /** loginuid; undefined when the kernel reports it unset */
  readonly auid: number | undefined;
  readonly netns: number;
  /** identity of the running binary */
  readonly exeDev: number;
  readonly exeIno: bigint;
  readonly cgroupId: bigint;
  /** the memory controller's cgroup v1 id (kernfs id, low 32 bits); 0 when not read (cgroup v2 only) */
  readonly cgroupV1Id: number;
  readonly comm: string;
  /** kernel tty name ("pts3"), "" without a controlling tty */
  readonly tty: string;
  /** the process's start (CLOCK_BOOTTIME ns) and its program run: (pid, startNs, execId) is one program */
  readonly startNs: bigint;
  readonly execId: bigint;
  /** the parent as it was when it forked this process */
  readonly parentStartNs: bigint;
  readonly parentExecId: bigint;
  /** audit session (auditd's "ses"); undefined when unset */
  readonly sessionId: number | undefined;
}

interface Base {
  /** CLOCK_BOOTTIME ns when the kernel saw it */
  ktimeNs: bigint;
  proc: ProcInfo;
}

export interface ExecEvent extends Base {
  kind: 'exec';
  oldComm: string;
  /** the running binary's path as /proc/<pid>/exe names it: "/memfd:x (deleted)", "/tmp/x (deleted)" */
  exe: string;
  exeTruncated: boolean;
  /** a file with no name in any tree (memfd_create) */
  exeFileless: boolean;
  /** unlinked while it runs */
  exeDeleted: boolean;
  /** on an overlayfs upper layer: written in the container, not taken from its image */
  exeOverlayUpper: boolean;
  argv: string[];
  argsTruncated: boolean;
}

export interface ExitEvent extends Base {
  kind: 'exit';
  /** exit status (0-255) when the process exited, undefined when a signal killed it */
  exitCode: number | undefined;
  signal: number | undefined;
}

/** Totals of a fold window (see bpf/events.h struct fold_value). */
export interface FoldCounts {
  /** CLOCK_BOOTTIME ns of the window's first occurrence */
  windowStartNs: bigint;
  count: bigint;
  /** UDP: bytes; TCP close: bytes sent */
  a: bigint;
  /** UDP: failed sends; TCP close: bytes received */
  b: bigint;
}

/** An occurrence the kernel folds: the first of its window. */
export interface Foldable {
  /** the kernel's fold-map key, to read the window's totals back */
  foldKey: Buffer;
  /** this occurrence (count 1, its own bytes) */
  fold: FoldCounts;
}

/** What followed the first occurrence in its window: set on a summary record only. */
export interface RepeatSummary {
  /** occurrences after the first (UDP: datagrams sent or received, failed sends are in b) */
  count: bigint;
  /** their sums: UDP bytes / TCP close bytes sent */
  a: bigint;
  /** UDP failed sends / TCP close bytes received */
  b: bigint;
  /** the first occurrence's record Timestamp (Unix ns), as it was emitted: the link to it */
  firstTimeUnixNs: bigint;
  windowMs: number;
}

export interface FoldEndEvent {
  kind: 'fold_end';
  ktimeNs: bigint;
  foldKey: Buffer;
  fold: FoldCounts;
}

export type TcpKind = 'tcp.connect' | 'tcp.accept' | 'tcp.close';

export interface TcpEvent extends Base {
  kind: TcpKind;
  ipVersion: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** true when this side accepted (local is the server) */
  inbound: boolean;
  /** positive errno of a failed connect, 0 on success */
  error: number;
  durationNs: bigint;
  bytesSent: bigint;
  bytesReceived: bigint;
  /** set when repeats of this record are folded (the redundancy cache) */
  folding?: Foldable;
  repeat?: RepeatSummary;
  /** no process was seen taking this socket (proc holds only the namespace) */
  noOwner: boolean;
  /** established before the probes saw it: durationNs and the direction (inbound) are unknown */
  startUnknown: boolean;
}

export type UdpKind = 'udp.bind' | 'udp.connect' | 'udp.send' | 'udp.receive';

export interface UdpEvent extends Base {
  kind: UdpKind;
  ipVersion: 4 | 6;
  localAddress: string;
  localPort: number;
  /** the remote end: peer (connect), destination (send), source (receive); "" when unknown */
  remoteAddress: string;
  remotePort: number;
  /** bind: the port asked for, 0 for "any" */
  requestedPort: number;
  /** negative errno of the syscall, 0 on success */
  error: number;
  /** send/receive: a flow window (count = datagrams, a = bytes, b = failed sends) */
  folding?: Foldable;
  repeat?: RepeatSummary;
}

/** One ipset netlink message as sent, with the kernel's answer. */
export interface IpsetMessageEvent extends Base {
  kind: 'ipset.message';
  /** nlmsghdr + nfgenmsg + attributes, possibly cut (see msgSize) */
  message: Buffer;
  msgSize: number;
  /** 0, or the negative errno / -IPSET_ERR_* the kernel answered; undefined when no answer was queued */
  result: number | undefined;
}

/** One ipset operation, parsed: what the records are made of. */
export interface IpsetEvent extends Base {
  kind: 'ipset';
  command: IpsetCommand;
  setName: string | undefined;
  /** create: the set type */
  setType: string | undefined;
  /** rename/swap: the other set */
  setName2: string | undefined;
  /** add/del/test: the element in ipset's notation */
  entry: string | undefined;
  /** 0 success; negative errno or -IPSET_ERR_*; undefined when unknown */
  result: number | undefined;
  /** the element list of the message was cut at the kernel buffer */
  truncated: boolean;
}

export type IpsetCommand = 'create' | 'destroy' | 'flush' | 'rename' | 'swap' | 'list' | 'save' | 'add' | 'del' | 'test';

export type AuditEvent = ExecEvent | ExitEvent | TcpEvent | UdpEvent | IpsetMessageEvent | IpsetEvent | FoldEndEvent;

/** Events that are records (a fold end only closes a window). */
export type RecordEvent = Exclude<AuditEvent, FoldEndEvent | IpsetMessageEvent>;
