// Load peer: accepts TCP connections and closes each at once; prints its port.
import { createServer } from 'node:net';

const server = createServer((sock) => {
  sock.on('error', () => {});
  sock.resume();
  sock.end();
});
server.listen(0, process.argv[2] ?? '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
