// The process side of a record (pid, users, executable, identity, container)
// is the same for every record of one process between two changes of its
// state, and a busy process makes many records in one batch. It is built
// once per process state and batch; each record starts from a shallow copy.
// Scoped to one batch, so what the lookups behind it learn (a user name, a
// pod, a path) reaches the next batch's records, and to the processes that
// made one last, so a part is garbage soon after its process's run of records.
import { BoundedMap } from '../bounded_map';
import type { ProcInfo } from '../events';
import type { Attributes } from './event_to_logrecord';

/** Every field but tid: all the others feed the process part, directly or through a lookup. */
function sameState(a: ProcInfo, b: ProcInfo): boolean {
  return (
    a.pid === b.pid && a.ppid === b.ppid && a.sid === b.sid && a.uid === b.uid && a.euid === b.euid && a.suid === b.suid &&
    a.gid === b.gid && a.egid === b.egid && a.auid === b.auid && a.netns === b.netns && a.exeDev === b.exeDev &&
    a.exeIno === b.exeIno && a.cgroupId === b.cgroupId && a.cgroupV1Id === b.cgroupV1Id && a.comm === b.comm &&
    a.tty === b.tty && a.startNs === b.startNs && a.execId === b.execId && a.parentStartNs === b.parentStartNs &&
    a.parentExecId === b.parentExecId && a.sessionId === b.sessionId
  );
}

/** The process side of a record, and a slot for its bytes as an OTLP encoder writes them (the same for every encoder). */
export class ProcessPart {
  encoded: Uint8Array | undefined;

  constructor(readonly attributes: Readonly<Attributes>) {
    Object.freeze(attributes);
  }
}

/**
 * Kept for a batch's whole length (2,000 records in the bench), parts and
 * the process contexts they hold outlived a young-generation cycle, and V8
 * moved ~170 bytes per record into the old generation, to be found dead
 * there: 14 full collections per 400,000 records instead of 4 (with the
 * decoder's smaller context cache), and a tenth more CPU per record.
 */
const PART_CAPACITY = 64;

interface Part {
  proc: ProcInfo;
  exePath: string | undefined;
  part: ProcessPart;
}

export class ProcessParts {
  /** the latest state seen per pid: records of one process come in runs */
  private readonly parts = new BoundedMap<number, Part>(PART_CAPACITY);

  /** The shared part for this process state; `build` runs only when it changed. Its attributes are frozen. */
  of(proc: ProcInfo, exePath: string | undefined, build: () => Attributes): ProcessPart {
    const known = this.parts.get(proc.pid);
    if (known && known.exePath === exePath && (known.proc === proc || sameState(known.proc, proc))) return known.part;
    const part = new ProcessPart(build());
    this.parts.setNewest(proc.pid, { proc, exePath, part });
    return part;
  }
}
