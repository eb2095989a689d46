// Set name -> set type, learnt from the create/rename/swap/destroy records
// that succeeded, so per-type error codes of later commands get their names.
import type { IpsetEvent } from '../events';

export class SetTypes {
  private readonly types = new Map<string, string>();

  constructor(private readonly capacity = 65536) {}

  typeOf(name: string | undefined): string | undefined {
    return name === undefined ? undefined : this.types.get(name);
  }

  learn(ev: IpsetEvent): void {
    if (ev.result !== 0 || !ev.setName) return;
    const a = ev.setName;
    const b = ev.setName2;
    switch (ev.command) {
      case 'create':
        if (ev.setType) this.types.set(a, ev.setType);
        break;
      case 'destroy':
        this.types.delete(a);
        break;
      case 'rename':
        if (b && this.types.has(a)) {
          this.types.set(b, this.types.get(a)!);
          this.types.delete(a);
        }
        break;
      case 'swap': {
        if (!b) break;
        const ta = this.types.get(a);
        const tb = this.types.get(b);
        if (tb) this.types.set(a, tb);
        else this.types.delete(a);
        if (ta) this.types.set(b, ta);
        else this.types.delete(b);
        break;
      }
      default:
        break;
    }
    if (this.types.size > this.capacity) this.types.delete(this.types.keys().next().value as string);
  }
}
