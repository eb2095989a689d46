// uid -> user name from the passwd file, cached; re-read on a miss at most
// once per refresh interval so a new account shows up without a restart.
import { readFileSync } from 'node:fs';

export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(':');
    if (parts.length < 3) continue;
    const uid = Number(parts[2]);
    if (Number.isInteger(uid) && !users.has(uid)) users.set(uid, parts[0]);
  }
  return users;
}

export class UserNames {
  private users = new Map<number, string>();
  private loadedAt = -Infinity;

  constructor(
    private readonly path = '/etc/passwd',
    private readonly refreshMs = 10_000,
  ) {}

  name(uid: number): string | undefined {
    const hit = this.users.get(uid);
    if (hit !== undefined) return hit;
    const now = Date.now();
    if (now - this.loadedAt < this.refreshMs) return undefined;
    this.loadedAt = now;
    try {
      this.users = parsePasswd(readFileSync(this.path, 'utf8'));
    } catch {
      // unreadable passwd: records keep user.id, only the name is missing
    }
    return this.users.get(uid);
  }
}
