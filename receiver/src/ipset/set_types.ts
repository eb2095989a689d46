// Set name -> set type, learnt from the create/rename/swap/destroy records
// that succeeded, so per-type error codes of later commands get their names.
import { BoundedMap } from '../bounded_map';
import type { IpsetEvent } from '../events';

export class SetTypes {
  private readonly types: BoundedMap<string, string>;

  constructor(capacity = 65536) {
    this.types = new BoundedMap(capacity);
  }

  typeOf(name: string | undefined): string | undefined {
    return name === undefined ? undefined : this.types.get(name);
  }

  learn(ev: IpsetEvent): void {
    if (ev.result !== 0 || !ev.setName) return;
    const a = ev.setName;
    const b = ev.setName2;
    switch (ev.command) {
      case 'create':
        if (ev.setType) this.types.setNewest(a, ev.setType);
        break;
      case 'destroy':
        this.types.delete(a);
        break;
      case 'rename': {
        const t = this.types.get(a);
        if (b && t) {
          this.types.setNewest(b, t);
          this.types.delete(a);
        }
        break;
      }
      case 'swap': {
        if (!b) break;
        const ta = this.types.get(a);
        const tb = this.types.get(b);
        if (tb) this.types.setNewest(a, tb);
        else this.types.delete(a);
        if (ta) this.types.setNewest(b, ta);
        else this.types.delete(b);
        break;
      }
      default:
        break;
    }
  }
}
