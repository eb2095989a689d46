// Load generator for latency: every INTERVAL_MS one exec of /bin/true, one
// TCP connection to HOST:PORT, and one UDP datagram to a port not used in the
// last thousand (so each is the first of its flow), for SECONDS seconds.
//   node light_mix.js HOST PORT SECONDS [INTERVAL_MS]
// Prints {"rounds"}.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

const [host, port, seconds, interval] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
const udp = createSocket('udp4');
udp.on('error', () => {});
let rounds = 0;

function round(): void {
  if (Date.now() >= deadline) {
    udp.close();
    process.stdout.write(`${JSON.stringify({ rounds })}\n`);
    return;
  }
  rounds++;
  execFile('/bin/true', () => {});
  const s = connect({ host, port: Number(port) });
  s.on('error', () => {});
  s.resume();
  udp.send(Buffer.alloc(8), 40_000 + (rounds % 1000), host);
  setTimeout(round, Number(interval ?? 50));
}
round();
