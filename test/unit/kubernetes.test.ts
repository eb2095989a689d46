import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesPods, parseContainerLog, podUidFromCgroupPath } from '../../receiver/src/enrich/kubernetes';

const UID = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const ID = 'ab'.repeat(32);
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('pod UID from the cgroup path', () => {
  it.each([
    ['systemd driver', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${ID}.scope`],
    ['systemd driver, guaranteed', `/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/crio-${ID}.scope`],
    ['cgroupfs driver', `/kubepods/besteffort/pod${UID}/${ID}`],
  ])('%s', (_n, path) => {
    expect(podUidFromCgroupPath(path)).toBe(UID);
  });
  it('nothing outside kubepods', () => {
    expect(podUidFromCgroupPath(`/system.slice/docker-${ID}.scope`)).toBeUndefined();
  });
});

describe('/var/log/containers', () => {
  it('names pod, namespace and container, and the pod UID from the link target', () => {
    expect(parseContainerLog(`web-7d9f_shop_nginx-${ID}.log`, `/var/log/pods/shop_web-7d9f_${UID}/nginx/0.log`)).toEqual([
      ID, { podName: 'web-7d9f', namespace: 'shop', containerName: 'nginx', podUid: UID },
    ]);
    expect(parseContainerLog('README', undefined)).toBeUndefined();
  });
  it('is read on a miss and cached', () => {
    const d = mkdtempSync(join(tmpdir(), 'bpfaudit-k8s-'));
    dirs.push(d);
    const pods = new KubernetesPods(d, 'node-a', 0);
    expect(pods.pod(ID)).toBeUndefined();
    symlinkSync(`/var/log/pods/kube-system_dns-1_${UID}/coredns/0.log`, join(d, `dns-1_kube-system_coredns-${ID}.log`));
    expect(pods.pod(ID)).toEqual({ podName: 'dns-1', namespace: 'kube-system', containerName: 'coredns', podUid: UID });
    expect(pods.nodeName).toBe('node-a');
  });
});
