// Kubernetes attributes for processes in pods, without the API server: the
// pod UID from the cgroup path, and pod name, namespace and container name
// from the kubelet's /var/log/containers links
// (<pod>_<namespace>_<container>-<container id>.log), which every node has
// and which are world-readable. Cached; re-read on a miss at most once a second.
import { readdirSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface PodInfo {
  podName: string;
  podUid?: string;
  namespace: string;
  containerName: string;
}

/** pod UID from a kubelet cgroup path (systemd driver writes its dashes as underscores). */
export function podUidFromCgroupPath(path: string): string | undefined {
  const m = /kubepods[^/]*-pod([0-9a-f_]{36})\.slice/.exec(path) ?? /\/kubepods(?:\/[^/]+)?\/pod([0-9a-f-]{36})(?:\/|$)/.exec(path);
  return m?.[1].replace(/_/g, '-');
}

const LINK = /^(.+)_([^_]+)_(.+)-([0-9a-f]{64})\.log$/;
const POD_DIR = /\/pods\/[^_/]+_[^_/]+_([0-9a-f-]{36})\//;

/** One /var/log/containers entry; the pod UID from where it links (/var/log/pods/<ns>_<pod>_<uid>/...). */
export function parseContainerLog(name: string, target: string | undefined): [string, PodInfo] | undefined {
  const m = LINK.exec(name);
  if (!m) return undefined;
  const uid = target ? POD_DIR.exec(target)?.[1] : undefined;
  return [m[4], { podName: m[1], namespace: m[2], containerName: m[3], ...(uid ? { podUid: uid } : {}) }];
}

export class KubernetesPods {
  private readonly byContainer = new Map<string, PodInfo>();
  private scannedAt = -Infinity;
  readonly nodeName: string;

  constructor(
    private readonly logDir: string,
    nodeName: string,
    private readonly rescanMs = 1000,
  ) {
    this.nodeName = nodeName || process.env.K8S_NODE_NAME || hostname();
  }

  pod(containerId: string): PodInfo | undefined {
    const hit = this.byContainer.get(containerId);
    if (hit) return hit;
    const now = Date.now();
    if (now - this.scannedAt < this.rescanMs) return undefined;
    this.scannedAt = now;
    let names: string[] = [];
    try {
      names = readdirSync(this.logDir);
    } catch {
      return undefined; // not a Kubernetes node, or no pods yet
    }
    this.byContainer.clear();
    for (const name of names) {
      let target: string | undefined;
      try {
        target = readlinkSync(`${this.logDir}/${name}`);
      } catch {
        target = undefined;
      }
      const entry = parseContainerLog(name, target);
      if (entry) this.byContainer.set(entry[0], entry[1]);
    }
    return this.byContainer.get(containerId);
  }
}
