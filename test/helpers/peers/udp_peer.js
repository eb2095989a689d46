// A UDP peer in its own process.
//   node udp_peer.js server HOST COUNT         binds HOST:0, prints {"pid","port"}, receives COUNT
//                                              datagrams, prints {"received","from"} and exits
//   node udp_peer.js client HOST PORT COUNT SIZE [connect]
//                                              sends COUNT datagrams of SIZE bytes (connected first
//                                              when asked), prints {"pid","localPort","sent","errors"}
//   node udp_peer.js spray HOST FIRST_PORT PORTS   one datagram to each of PORTS consecutive ports
const dgram = require('node:dgram');
const [mode, host, a, b, c, d] = process.argv.slice(2);
const type = host.includes(':') ? 'udp6' : 'udp4';
const say = (o) => process.stdout.write(JSON.stringify({ pid: process.pid, ...o }) + '\n');

if (mode === 'server') {
  const want = Number(a);
  const sock = dgram.createSocket(type);
  let received = 0;
  let from;
  sock.on('message', (_m, rinfo) => {
    received++;
    from = rinfo;
    if (received === want) {
      say({ received, from });
      sock.close();
    }
  });
  sock.bind(0, host, () => say({ port: sock.address().port }));
} else if (mode === 'client' || mode === 'spray') {
  const port = Number(a);
  const count = Number(b);
  const payload = Buffer.alloc(mode === 'spray' ? 8 : Number(c), 0x75);
  const sock = dgram.createSocket(type);
  let done = 0;
  let errors = 0;
  let errorCode;
  const finish = () => {
    say({ localPort: (() => { try { return sock.address().port; } catch { return 0; } })(), sent: done - errors, errors, error: errorCode });
    sock.close();
  };
  const sendAll = () => {
    for (let i = 0; i < count; i++) {
      const cb = (err) => {
        if (err) {
          errors++;
          errorCode = err.code;
        }
        if (++done === count) finish();
      };
      if (mode === 'spray') sock.send(payload, port + i, host, cb);
      else if (d === 'connect') sock.send(payload, cb);
      else sock.send(payload, port, host, cb);
    }
  };
  if (mode === 'client' && d === 'connect') sock.connect(port, host, sendAll);
  else sendAll();
} else {
  throw new Error(`unknown mode ${mode}`);
}
