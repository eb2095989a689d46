// Owns the native sensor handle: turns native failures into SensorError,
// releases every batch after it is processed (the drain thread pauses while
// too many are outstanding), and shuts down in one order: detach, drain the
// tail, close.
import { loadNative } from './loader';
import type { NativeAttachment, NativeError, NativeOpenOptions, NativeSensor, NativeStartOptions } from './native';
import { Counter, EventType } from '../decode/layout';

export class SensorError extends Error {
  readonly step: string;
  readonly errno: number;
  readonly code: string;
  readonly libbpfLog?: string;

  constructor(e: NativeError) {
    super(e.message);
    this.name = 'SensorError';
    this.step = e.step;
    this.errno = e.errno;
    this.code = e.code;
    this.libbpfLog = e.libbpfLog;
  }
}

function wrap(e: unknown): Error {
  const n = e as Partial<NativeError>;
  return n && typeof n.step === 'string' ? new SensorError(n as NativeError) : (e as Error);
}

/** Runs a native call; its failure comes out as a SensorError. */
function native<T>(call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw wrap(e);
  }
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(EventType).filter(([k]) => k !== 'EVENT_TYPE_MAX').map(([k, v]) => [v, k.slice(6).toLowerCase()]),
);

export interface KernelCounters {
  /** ring-buffer reservations that failed, by event kind ("exec", "tcp_connect", ...) */
  lost: Record<string, number>;
  /** events emitted without a known process (flagged bpfaudit.owner.unknown), by event kind */
  ownerMissing: Record<string, number>;
  exePathTruncated: number;
  /** execs recorded with the new name as the old one (their slot was taken by another exec in flight) */
  execCommMissed: number;
  /** UDP binds, connects or datagram addresses that found their thread slot held by another call in flight: those records lack them */
  udpCallMissed: number;
  /** occurrences counted into an open fold window instead of emitted */
  folded: number;
  /** events an ignore rule dropped in the kernel, by event kind */
  filtered: Record<string, number>;
  /** raw per-CPU values, [counter index][cpu] */
  perCpu: number[][];
}

export function summariseCounters(perCpu: number[][]): KernelCounters {
  const sum = (i: number) => (perCpu[i] ?? []).reduce((a, b) => a + b, 0);
  const lost: Record<string, number> = {};
  const filtered: Record<string, number> = {};
  const ownerMissing: Record<string, number> = {};
  for (const [type, name] of Object.entries(TYPE_NAMES)) {
    lost[name] = sum(Number(type));
    filtered[name] = sum(Counter.COUNTER_FILTERED + Number(type));
    ownerMissing[name] = sum(Counter.COUNTER_NO_OWNER + Number(type));
  }
  return {
    lost,
    ownerMissing,
    exePathTruncated: sum(Counter.COUNTER_EXE_PATH_TRUNCATED),
    execCommMissed: sum(Counter.COUNTER_EXEC_COMM_MISSED),
    udpCallMissed: sum(Counter.COUNTER_UDP_CALL_MISSED),
    folded: sum(Counter.COUNTER_FOLDED),
    filtered,
    perCpu,
  };
}

/** Reads the batch before it returns: its bytes are reused for the next batch. The promise holds draining back. */
export type BatchHandler = (batch: Buffer) => void | Promise<void>;

export class Sensor {
  private stopped?: Promise<void>;
  private finish?: () => void;
  private closed = false;

  private constructor(private readonly handle: NativeSensor) {}

  static open(options: NativeOpenOptions): Sensor {
    const addon = loadNative();
    return native(() => new Sensor(new addon.Sensor(options)));
  }

  attachments(): NativeAttachment[] {
    return this.handle.attachments();
  }

  start(onBatch: BatchHandler, onError: (e: Error) => void, options: NativeStartOptions): void {
    this.stopped = new Promise((resolve) => (this.finish = resolve));
    const release = () => this.handle.release();
    try {
      this.handle.start((err, batch, done) => {
        if (err) onError(wrap(err));
        if (batch && batch.length > 0) {
          let pending: void | Promise<void> = undefined;
          try {
            pending = onBatch(Buffer.from(batch.buffer, batch.byteOffset, batch.length));
          } catch (e) {
            onError(e as Error);
          }
          if (pending instanceof Promise) {
            pending.catch(onError).finally(release);
          } else {
            release();
          }
        } else if (batch) {
          release();
        }
        if (done) this.finish?.();
      }, options);
    } catch (e) {
      throw wrap(e);
    }
  }

  counters(): KernelCounters {
    return summariseCounters(native(() => this.handle.counters()));
  }

  update(map: string, key: Buffer, value: Buffer): void {
    native(() => this.handle.update(map, key, value));
  }

  lookup(map: string, key: Buffer): Buffer | null {
    return native(() => this.handle.lookup(map, key));
  }

  programFd(program: string): number {
    return native(() => this.handle.programFd(program));
  }

  takeWindow(map: string, window: number): { key: Buffer; value: Buffer }[] {
    return native(() => this.handle.takeWindow(map, window));
  }

  /** Detaches the probes and waits until the ring's tail is delivered; counters stay readable until close. */
  async stop(): Promise<void> {
    if (this.closed) return;
    const started = this.handle.stop();
    if (started && this.stopped) await this.stopped;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }
}
