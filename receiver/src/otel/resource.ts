// The Resource every record carries: detected host facts, then the config's
// attributes, then OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME.
import { readFileSync } from 'node:fs';
import { arch, hostname, release } from 'node:os';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { projectRoot } from '../paths';
import { readTrimmed } from '../host_files';

type Attrs = Record<string, string | number | boolean>;

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86', ppc64: 'ppc64', s390x: 's390x' };

/** key1=value1,key2=value2 with percent-encoded values, per the OTel SDK spec. */
export function parseResourceAttributes(raw: string | undefined): Attrs {
  const out: Attrs = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[key] = part.slice(eq + 1).trim();
    }
  }
  return out;
}

let version: string | undefined;

/** Read once: a reload after a privilege drop may not be able to read the installation. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(`${projectRoot()}/package.json`, 'utf8')) as { version: string }).version;
  return version;
}

export function resourceAttributes(configured: Attrs, env = process.env): Attrs {
  const detected: Attrs = {
    'service.name': 'bpfaudit',
    'service.version': packageVersion(),
    'host.name': hostname(),
    'host.arch': ARCH[arch()] ?? arch(),
    'os.type': 'linux',
    'os.version': release(),
  };
  const machineId = readTrimmed('/etc/machine-id');
  if (machineId) detected['host.id'] = machineId;
  const attrs = { ...detected, ...configured, ...parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES) };
  if (env.OTEL_SERVICE_NAME) attrs['service.name'] = env.OTEL_SERVICE_NAME;
  return attrs;
}

export function buildResource(configured: Attrs): Resource {
  return resourceFromAttributes(resourceAttributes(configured));
}
