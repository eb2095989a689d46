// Runs bpfaudit-tcx (native/src/tcx_attach.c), which keeps the inbound
// program attached to the wanted interfaces, new ones included, after the
// receiver has given up the privilege to attach. Started while still root.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { InboundConfig } from '../config/types';
import { errnoName } from '../mapping/errno';
import { tcxAttachPath } from '../paths';

const READY_TIMEOUT_MS = 10_000;

export class TcxAttacher {
  /** every interface attached since start, by index: still named after it is gone, for its last window */
  private readonly names = new Map<number, string>();
  private readonly attachedNow = new Set<number>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stopping = false;
  readonly ready: Promise<void>;

  constructor(programFd: number, config: Pick<InboundConfig, 'interfaces' | 'loopback'>, onError: (e: Error) => void) {
    const args = [...(config.loopback ? ['--loopback'] : []), ...config.interfaces];
    this.child = spawn(tcxAttachPath(), args, { stdio: ['pipe', 'pipe', 'inherit', programFd] });
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    let ready: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((res, rej) => {
      ready = res;
      fail = rej;
    });
    // an end before ready is also reported through onError: whoever does not wait for ready loses nothing
    this.ready.catch(() => undefined);
    const timer = setTimeout(() => fail(new Error(`inbound: bpfaudit-tcx did not list the interfaces within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    this.child.once('error', (e) => fail(new Error(`inbound: cannot run ${tcxAttachPath()}: ${e.message}`)));
    this.child.once('close', (code, signal) => {
      clearTimeout(timer);
      const why = new Error(`inbound: bpfaudit-tcx ended (${signal ?? `exit ${code}`}): no interface is watched any more`);
      fail(why);
      if (!this.stopping) onError(why);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const [what, index, name, detail] = line.split(' ');
      const ifindex = Number(index);
      if (what === 'ready') {
        clearTimeout(timer);
        ready();
      } else if (what === 'attached') {
        this.names.set(ifindex, name);
        this.attachedNow.add(ifindex);
      } else if (what === 'detached') {
        this.attachedNow.delete(ifindex);
      } else if (what === 'failed') {
        onError(new Error(`inbound: attach to ${name} (ifindex ${ifindex}) failed: ${errnoName(Number(detail))}`));
      } else if (what === 'error') {
        onError(new Error(`inbound: bpfaudit-tcx: ${index} failed: ${errnoName(Number(name))}`));
      }
    });
  }

  interfaceName(ifindex: number): string {
    return this.names.get(ifindex) ?? `ifindex ${ifindex}`;
  }

  /** Names of the interfaces the program is attached to now. */
  attached(): string[] {
    return [...this.attachedNow].map((i) => this.interfaceName(i));
  }

  /** Ends the helper (closing its stdin: it may outrank us by now); its links go with it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.child.stdin?.end();
    await this.exited;
  }
}
