// `bpfaudit check`: what this kernel and these privileges support, as a
// table; exit 0 only when `run` with every probe would work.
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG } from '../config/defaults';
import { cgroup2Root } from '../enrich/containers';
import { Sensor } from '../native/sensor';
import { BTF_PATH, CAPABILITIES, canRaisePriority, effectiveCapabilities, hasCapability, hasKernelBtf, missingCapabilities, missingForDrop } from '../privileges';
import { probeObjects } from '../probes';
import { currentRuntime } from '../runtime';

interface Row {
  what: string;
  ok: boolean;
  /** works, but should be fixed; does not fail the check */
  warn?: boolean;
  detail: string;
}

export function renderTable(rows: Row[]): string {
  const w = Math.max(...rows.map((r) => r.what.length));
  return rows.map((r) => `${!r.ok ? 'FAIL' : r.warn ? 'WARN' : 'ok  '}  ${r.what.padEnd(w)}  ${r.detail}`).join('\n') + '\n';
}

export function check(): number {
  const rows: Row[] = [];
  const caps = effectiveCapabilities();
  rows.push({ what: 'running as', ok: true, detail: `uid ${process.getuid?.()} euid ${process.geteuid?.()}` });
  const rt = currentRuntime();
  rows.push({
    what: 'Node.js runtime',
    ok: true,
    warn: rt.warning !== undefined,
    detail: `${rt.version}${rt.lts ? ` (LTS ${rt.lts})` : ''} at ${process.execPath}; ${rt.warning ?? `supported until ${rt.endOfLife}`}`,
  });
  for (const name of Object.keys(CAPABILITIES) as (keyof typeof CAPABILITIES)[]) {
    rows.push({ what: name, ok: hasCapability(caps, name), detail: hasCapability(caps, name) ? 'present' : 'missing' });
  }
  const missing = missingCapabilities(caps);
  rows.push({
    what: 'privileges to load probes',
    ok: missing.length === 0,
    detail: missing.length ? `missing ${missing.join(', ')}` : 'sufficient',
  });
  const forDrop = missingForDrop(caps, true);
  rows.push({
    what: 'privileges to drop root after start',
    ok: forDrop.length === 0,
    detail: forDrop.length ? `missing ${forDrop.join(', ')} (or run with security.run_as: root)` : 'sufficient; no capability is kept afterwards',
  });
  const nice = canRaisePriority(caps);
  rows.push({
    what: 'privileges to raise priority',
    ok: true,
    warn: !nice,
    detail: nice ? `CAP_SYS_NICE present (limits.priority_boost, default ${DEFAULT_CONFIG.limits.priority_boost})` : 'CAP_SYS_NICE missing: limits.priority_boost cannot apply, the receiver runs at the priority it was started with',
  });
  const btf = hasKernelBtf();
  rows.push({ what: 'kernel BTF', ok: btf, detail: btf ? BTF_PATH : `${BTF_PATH} not readable (CONFIG_DEBUG_INFO_BTF)` });
  const objects = probeObjects(DEFAULT_CONFIG.probes, DEFAULT_CONFIG.limits);
  const built = objects.every((o) => existsSync(o.path));
  rows.push({ what: 'BPF objects', ok: built, detail: built ? 'built' : 'not built (run scripts/setup.sh)' });

  if (built && btf && missing.length === 0) {
    try {
      const sensor = Sensor.open({ objects, ringBufferBytes: DEFAULT_CONFIG.limits.ring_buffer_bytes, cgroupPath: cgroup2Root(), bestEffort: true });
      rows.push({ what: 'ring buffer', ok: true, detail: 'created' });
      for (const a of sensor.attachments()) {
        rows.push({
          what: `${a.section}`,
          ok: a.ok,
          detail: a.ok ? `attached (${a.program})` : `${a.step}: ${a.code} ${a.message ?? ''}`.trim(),
        });
      }
      sensor.close();
    } catch (e) {
      rows.push({ what: 'ring buffer and probes', ok: false, detail: (e as Error).message });
    }
  }
  process.stdout.write(renderTable(rows));
  return rows.every((r) => r.ok) ? 0 : 1;
}
