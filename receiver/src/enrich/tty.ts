// The kernel names pseudo-terminals "pts3"; people and auditd say "pts/3".
export function ttyName(kernelName: string): string | undefined {
  if (!kernelName) return undefined;
  const pts = /^pts(\d+)$/.exec(kernelName);
  return pts ? `pts/${pts[1]}` : kernelName;
}
