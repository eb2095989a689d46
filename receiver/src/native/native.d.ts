// The addon's surface (native/src/*.cc). Only native/loader.ts loads it and
// only native/sensor.ts calls it.

export interface NativeObjectSpec {
  /** label used in error messages ("exec", "tcp") */
  name: string;
  path: string;
  /** BPF program names to load and attach; the rest of the object is not loaded */
  programs: string[];
  /** programs loaded and not attached: a helper attaches them (programFd) */
  loadOnly?: string[];
  /** `const volatile` knobs, set before load */
  rodata?: Record<string, number | boolean>;
  /** max_entries of named maps, set before load */
  maxEntries?: Record<string, number>;
}

export interface NativeMapValue {
  map: string;
  key: Buffer;
  value: Buffer;
}

export interface NativeOpenOptions {
  objects: NativeObjectSpec[];
  /** written after every object is loaded and before any program is attached */
  mapValues?: NativeMapValue[];
  ringBufferBytes: number;
  /** the cgroup v2 root, where socket-address programs (cgroup/sendmsg4, ...) are attached */
  cgroupPath?: string;
  /** record per-program failures instead of throwing on the first (for `check`) */
  bestEffort?: boolean;
}

export interface NativeAttachment {
  object: string;
  program: string;
  section: string;
  ok: boolean;
  step?: string;
  errno?: number;
  code?: string;
  message?: string;
}

export interface NativeStartOptions {
  maxBatchBytes: number;
  /** batches handed to JS and not yet released before draining pauses */
  maxInflight: number;
  pollMs: number;
}

/** err is set once, with done, when draining failed. */
/** The batch's bytes are the addon's and valid only during the call: the next batch is copied over them. */
export type NativeBatchCallback = (err: NativeError | null, batch: Uint8Array | undefined, done: boolean) => void;

export interface NativeSensor {
  attachments(): NativeAttachment[];
  start(onBatch: NativeBatchCallback, options: NativeStartOptions): void;
  /** one call per delivered batch, after it has been processed */
  release(): void;
  /** detaches every probe; the drain thread then delivers the tail with done=true */
  stop(): boolean;
  /** per-CPU values of the kernel counters map: [index][cpu] */
  counters(): number[][];
  /** one element of a loaded (non-per-CPU) map; null when the key is absent */
  lookup(map: string, key: Buffer): Buffer | null;
  update(map: string, key: Buffer, value: Buffer): void;
  /** the descriptor of a loadOnly program, owned by the sensor */
  programFd(program: string): number;
  /** removes and returns the elements of a hash map whose key starts with this u32; per-CPU values one CPU after the other */
  takeWindow(map: string, window: number): { key: Buffer; value: Buffer }[];
  close(): void;
}

export interface NativeError extends Error {
  step: string;
  errno: number;
  code: string;
  libbpfLog?: string;
}

export interface NativeModule {
  Sensor: new (options: NativeOpenOptions) => NativeSensor;
  bootToRealtimeNs(): bigint;
  bootTimeNs(): bigint;
  /** every capability and uid/gid 0 given up, on every thread; throws a NativeError naming the step */
  dropPrivileges(uid: number, gid: number): void;
  /** a non-blocking AF_UNIX datagram socket connected to path; throws a NativeError (step "connect", ...) */
  unixDatagramOpen(path: string): number;
  /** one datagram per message from index `from` on, until one does not go (errno 0: all went) */
  unixDatagramSend(fd: number, messages: Buffer[], from: number): { sent: number; errno: number; code: string };
  closeFd(fd: number): void;
}
