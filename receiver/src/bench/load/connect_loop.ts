// Load generator: connect, wait for the peer's close, repeat, with up to
// CONCURRENCY connections open; for SECONDS seconds or COUNT connections.
//   node connect_loop.js HOST PORT seconds=30|count=5000 [CONCURRENCY]
// Prints {"connections", "seconds", "errors"}.
import { connect } from 'node:net';

const [host, port, limit, conc] = process.argv.slice(2);
const [kind, value] = limit.split('=');
const concurrency = Number(conc ?? 1);
const deadline = kind === 'seconds' ? Date.now() + Number(value) * 1000 : Infinity;
const maxCount = kind === 'count' ? Number(value) : Infinity;
let started = 0;
let done = 0;
let errors = 0;
const t0 = process.hrtime.bigint();

function finish(): void {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${JSON.stringify({ connections: done, seconds, errors })}\n`);
  process.exit(0);
}

function one(): void {
  if (started >= maxCount || Date.now() >= deadline) {
    if (done + errors >= started) finish();
    return;
  }
  started++;
  const s = connect({ host, port: Number(port) });
  s.on('error', () => {
    errors++;
    setImmediate(one);
  });
  s.resume();
  s.on('close', (hadError) => {
    if (!hadError) done++;
    one();
  });
}

for (let i = 0; i < concurrency; i++) one();
