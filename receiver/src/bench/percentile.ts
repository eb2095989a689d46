// The figures the bench quotes from repeated measurements.
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}
