// The process side of a record (pid, users, executable, identity, container)
// is the same for every record of one process between two changes of its
// state, and a busy process makes many records in one batch. It is built
// once per process state and batch; each record starts from a shallow copy.
// Most of it (users, executable, session, tty, container) is also the same
// for the processes one program or service starts: that shared side is
// built and encoded once per batch for all of them, and a process adds only
// what is its own (pid, parent, identity).
// Scoped to one batch, so what the lookups behind it learn (a user name, a
// pod, a path) reaches the next batch's records, and to the processes that
// made one last, so a part is garbage soon after its process's run of records.
import { BoundedMap } from '../bounded_map';
import type { ProcInfo } from '../events';
import type { Attributes } from './event_to_logrecord';

/** Every field but tid: all the others feed the process part, directly or through a lookup. */
function sameState(a: ProcInfo, b: ProcInfo): boolean {
  return (
    a.pid === b.pid && a.ppid === b.ppid && a.startNs === b.startNs && a.execId === b.execId &&
    a.parentStartNs === b.parentStartNs && a.parentExecId === b.parentExecId && sameShared(a, b)
  );
}

/** The fields the shared side is made of, directly or through a lookup (user names by uid, containers by cgroup). */
function sameShared(a: ProcInfo, b: ProcInfo): boolean {
  return (
    a.sid === b.sid && a.uid === b.uid && a.euid === b.euid && a.suid === b.suid && a.gid === b.gid && a.egid === b.egid &&
    a.auid === b.auid && a.sessionId === b.sessionId && a.netns === b.netns && a.exeDev === b.exeDev && a.exeIno === b.exeIno &&
    a.cgroupId === b.cgroupId && a.cgroupV1Id === b.cgroupV1Id && a.comm === b.comm && a.tty === b.tty
  );
}

/**
 * What the processes of one program, user, session and container share, with
 * a slot for its bytes as an OTLP encoder writes them (the same for every encoder).
 */
export class SharedPart {
  encoded: Uint8Array | undefined;

  constructor(readonly attributes: Readonly<Attributes>) {
    Object.freeze(attributes);
  }
}

/** The process side of a record: its own attributes, then the shared ones; with a slot for its bytes, as SharedPart. */
export class ProcessPart {
  encoded: Uint8Array | undefined;
  private merged: Readonly<Attributes> | undefined;

  constructor(
    /** pid, parent and identity */
    readonly own: Readonly<Attributes>,
    readonly shared: SharedPart,
  ) {
    Object.freeze(own);
  }

  /** Merged when an exporter that reads objects asks; the OTLP encoder writes the two sides. */
  get attributes(): Readonly<Attributes> {
    return (this.merged ??= Object.freeze({ ...this.own, ...this.shared.attributes }));
  }
}

/** How a mapping builds the two sides of a part, from the process and a context of its lookups. */
export interface PartBuilder<C> {
  own(proc: ProcInfo, ctx: C): Attributes;
  shared(proc: ProcInfo, exePath: string | undefined, ctx: C): Attributes;
}

/** A part built for one record alone, shared with nothing. */
export function unsharedPart<C>(proc: ProcInfo, exePath: string | undefined, ctx: C, build: PartBuilder<C>): ProcessPart {
  return new ProcessPart(build.own(proc, ctx), new SharedPart(build.shared(proc, exePath, ctx)));
}

/**
 * Kept for a batch's whole length (2,000 records in the bench), parts and
 * the process contexts they hold outlived a young-generation cycle, and V8
 * moved ~170 bytes per record into the old generation, to be found dead
 * there: 14 full collections per 400,000 records instead of 4 (with the
 * decoder's smaller context cache), and a tenth more CPU per record.
 */
const PART_CAPACITY = 64;
/** shared sides in a direct-mapped table (by session and user): a batch's programs are few */
const SHARED_SLOTS = 16;

interface Part {
  proc: ProcInfo;
  exePath: string | undefined;
  part: ProcessPart;
}

interface Shared {
  proc: ProcInfo;
  exePath: string | undefined;
  shared: SharedPart;
}

export class ProcessParts {
  /** the latest state seen per pid: records of one process come in runs */
  private readonly parts = new BoundedMap<number, Part>(PART_CAPACITY);
  private readonly shared: (Shared | undefined)[] = new Array(SHARED_SLOTS).fill(undefined);

  /** The part for this process state, built only when it changed; its attributes are frozen. */
  of<C>(proc: ProcInfo, exePath: string | undefined, ctx: C, build: PartBuilder<C>): ProcessPart {
    const known = this.parts.get(proc.pid);
    if (known && known.exePath === exePath && (known.proc === proc || sameState(known.proc, proc))) return known.part;
    const part = new ProcessPart(build.own(proc, ctx), this.sharedOf(proc, exePath, ctx, build));
    this.parts.setNewest(proc.pid, { proc, exePath, part });
    return part;
  }

  private sharedOf<C>(proc: ProcInfo, exePath: string | undefined, ctx: C, build: PartBuilder<C>): SharedPart {
    const slot = (proc.sid ^ proc.euid) & (SHARED_SLOTS - 1);
    const known = this.shared[slot];
    if (known && known.exePath === exePath && sameShared(known.proc, proc)) return known.shared;
    const shared = new SharedPart(build.shared(proc, exePath, ctx));
    this.shared[slot] = { proc, exePath, shared };
    return shared;
  }
}
