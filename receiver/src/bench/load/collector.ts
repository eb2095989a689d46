// The bench's OTLP endpoint in a process of its own, so that the pipeline's
// CPU-seconds are the receiver's alone: prints its URL, and on SIGTERM what
// it received.
import { acceptingCollector } from '../collector';

void acceptingCollector().then(({ server, stats, url }) => {
  process.on('SIGTERM', () => {
    server.close();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
    process.exit(0);
  });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
});
