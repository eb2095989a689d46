// A TCP peer in its own process, so its pid is its own.
//   node tcp_peer.js server HOST REPLY_BYTES   prints {"pid","port"}, serves one connection:
//        reads until the client half-closes, answers REPLY_BYTES, closes
//   node tcp_peer.js client HOST PORT SEND_BYTES   prints {"pid","localPort"} once connected,
//        sends SEND_BYTES, half-closes, reads the answer until the server closes
//        (exit 0), or prints {"error": CODE} and exits 3 when the connect fails
//   node tcp_peer.js sink HOST           prints {"pid","port"}, accepts and closes connections until killed
//   node tcp_peer.js loop HOST PORT N [DELAY_MS]
//        N connections one after another (connect, close), prints {"pid","done"}
const net = require('node:net');
const [mode, host, a, b] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify({ pid: process.pid, ...o }) + '\n');

if (mode === 'server') {
  const reply = Number(a);
  const server = net.createServer((sock) => {
    let received = 0;
    sock.on('data', (d) => (received += d.length));
    sock.on('end', () => sock.end(Buffer.alloc(reply, 0x61)));
    sock.on('close', () => {
      say({ received });
      server.close();
    });
  });
  server.listen(0, host, () => say({ port: server.address().port }));
} else if (mode === 'client') {
  const sock = net.connect({ host, port: Number(a) });
  let received = 0;
  sock.on('connect', () => {
    say({ localPort: sock.localPort });
    sock.end(Buffer.alloc(Number(b), 0x62));
  });
  sock.on('data', (d) => (received += d.length));
  sock.on('close', (hadError) => {
    if (!hadError) say({ received });
  });
  sock.on('error', (e) => {
    say({ error: e.code });
    process.exitCode = 3;
  });
} else if (mode === 'sink') {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.resume();
    sock.on('end', () => sock.end());
  });
  server.listen(0, host, () => say({ port: server.address().port }));
} else if (mode === 'loop') {
  const total = Number(b);
  const delay = Number(process.argv[6] ?? 0);
  let done = 0;
  const next = () => {
    if (done === total) return say({ done });
    const sock = net.connect({ host, port: Number(a) }, () => sock.end());
    sock.resume();
    sock.on('close', () => {
      done++;
      setTimeout(next, delay);
    });
    sock.on('error', (e) => {
      say({ error: e.code, done });
      process.exit(3);
    });
  };
  next();
} else {
  throw new Error(`unknown mode ${mode}`);
}
