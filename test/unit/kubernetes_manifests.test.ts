// deploy/kubernetes must be valid Kubernetes objects (checked against the
// API's schemas by kubernetes-models) and must deploy what this repository
// builds: a config bpfaudit accepts, the capabilities it needs, no privileged mode.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../receiver/src/config/load';

const dir = join(__dirname, '..', '..', 'deploy', 'kubernetes');
const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
const MODELS: Record<string, new (o: any) => { validate(): void }> = { DaemonSet, Namespace, ServiceAccount };

describe('deploy/kubernetes', () => {
  const objects = (kustomization.resources as string[]).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => ({ file, obj: d.toJS() })),
  );

  for (const { file, obj } of objects) {
    it(`${file}: ${obj.kind} is valid against the Kubernetes schema`, () => {
      const Model = MODELS[obj.kind];
      expect(Model, `no schema for kind ${obj.kind}`).toBeDefined();
      expect(() => new Model(obj).validate()).not.toThrow();
    });
  }

  it('the schema check catches a broken manifest', () => {
    const ds = structuredClone(objects.find((o) => o.obj.kind === 'DaemonSet')!.obj);
    ds.spec.template.spec.containers[0].securityContext.capabilities.add = 'BPF';
    expect(() => new DaemonSet(ds).validate()).toThrow();
  });

  it('the DaemonSet is not privileged, has host PID, the capabilities and mounts the sensor needs', () => {
    const ds = objects.find((o) => o.obj.kind === 'DaemonSet')!.obj;
    const pod = ds.spec.template.spec;
    const sensor = pod.containers.find((c: any) => c.name === 'bpfaudit');
    expect(pod.hostPID).toBe(true);
    expect(sensor.securityContext.privileged).toBe(false);
    expect(sensor.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(sensor.securityContext.capabilities.add).toEqual(expect.arrayContaining(['BPF', 'PERFMON']));
    const mounts = sensor.volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/fs/cgroup', '/var/log/containers', '/etc/bpfaudit']));
    expect(pod.containers.map((c: any) => c.name)).toContain('otel-collector');
  });

  it('the generated ConfigMaps come from files that exist, and the sensor config is valid', () => {
    for (const gen of kustomization.configMapGenerator) {
      for (const f of gen.files as string[]) expect(existsSync(join(dir, f.split('=').pop()!)), f).toBe(true);
    }
    expect(() => parseConfig(readFileSync(join(dir, 'bpfaudit.yaml'), 'utf8'), 'bpfaudit.yaml')).not.toThrow();
  });
});
