// Start-up time as an installation sees it: from spawning `bpfaudit run`
// (the runtime, the modules, the BPF objects verified and attached) to the
// receiver saying it is running, with its default probes.
import { acceptingCollector } from './collector';
import { startReceiver, stopReceiver } from './receiver_process';
import { median } from './percentile';

export async function startupSeconds(rounds = 5): Promise<number> {
  const collector = await acceptingCollector();
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      const child = await startReceiver(collector.url);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
      await stopReceiver(child);
    }
  } finally {
    collector.server.close();
  }
  return median(times);
}
