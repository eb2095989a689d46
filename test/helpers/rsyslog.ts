// A real syslog daemon for the tests: Debian's rsyslogd, started in the
// foreground on loopback ports and a socket of its own, writing every
// message it receives as one JSON line: its own parse of the header, the
// raw message, and the structured data as rsyslog's mmpstrucdata reads it.
// Control characters are kept as received, so a message that smuggled a
// newline in shows up as one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { until } from './cli';

export interface SyslogLine {
  input: string;
  pri: number;
  timestamp: string;
  hostname: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
  raw: string;
  /** SD-ID -> param -> value, as rsyslog's mmpstrucdata parsed it */
  params: Record<string, Record<string, string>>;
}

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export function makeCertificates(dir: string): { ca: string; server: TlsFiles; client: TlsFiles } {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=bpfaudit test CA', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'], ['client', 'extendedKeyUsage=clientAuth']]) {
    writeFileSync(f(`${name}.ext`), ext + '\n');
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`)]);
    ssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  }
  return {
    ca: f('ca.pem'),
    server: { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') },
    client: { ca: f('ca.pem'), cert: f('client.pem'), key: f('client.key') },
  };
}

/**
 * n distinct TCP ports nobody listens on right now, held open together while
 * they are chosen (one bound and closed at a time can come back the same);
 * the same numbers serve as free UDP ports on loopback here.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface RsyslogInputs {
  /** unix datagram socket path */
  socket?: string;
  /** name -> port */
  udp?: Record<string, number>;
  tcp?: Record<string, number>;
  /** TLS inputs, which ask for a client certificate signed by the CA */
  tls?: Record<string, number>;
  certificates?: TlsFiles;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const c of running) c.kill('SIGKILL');
});

export class Rsyslog {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private stderr = '';
  readonly out: string;
  private readonly conf: string;

  constructor(
    readonly dir: string,
    private readonly inputs: RsyslogInputs,
  ) {
    mkdirSync(join(dir, 'work'), { recursive: true, mode: 0o755 });
    this.out = join(dir, 'out.jsonl');
    this.conf = join(dir, 'rsyslog.conf');
    writeFileSync(this.conf, this.config());
  }

  private config(): string {
    const i = this.inputs;
    const c = i.certificates;
    const lines = [
      `global(workDirectory="${this.dir}/work" parser.escapeControlCharactersOnReceive="off" maxMessageSize="64k"${c ? ` DefaultNetstreamDriverCAFile="${c.ca}" DefaultNetstreamDriverCertFile="${c.cert}" DefaultNetstreamDriverKeyFile="${c.key}"` : ''})`,
    ];
    if (i.socket) lines.push('module(load="imuxsock" SysSock.Use="off")', `input(type="imuxsock" Socket="${i.socket}" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off")`);
    if (i.udp) lines.push('module(load="imudp")', ...Object.entries(i.udp).map(([n, p]) => `input(type="imudp" name="${n}" address="127.0.0.1" port="${p}")`));
    if (i.tcp) lines.push('module(load="imptcp")', ...Object.entries(i.tcp).map(([n, p]) => `input(type="imptcp" name="${n}" address="127.0.0.1" port="${p}")`));
    if (i.tls) {
      lines.push('module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid")');
      lines.push(...Object.entries(i.tls).map(([n, p]) => `input(type="imtcp" name="${n}" address="127.0.0.1" port="${p}")`));
    }
    lines.push(
      'module(load="mmpstrucdata")',
      'template(name="j" type="list" option.jsonf="on") {',
      ...[
        ['input', 'inputname'], ['pri', 'pri'], ['timestamp', 'timereported" dateFormat="rfc3339'], ['hostname', 'hostname'], ['app', 'app-name'],
        ['procid', 'procid'], ['msgid', 'msgid'], ['sd', 'structured-data'], ['msg', 'msg'], ['raw', 'rawmsg'], ['parsed', '$!'],
      ].map(([out, name]) => `  property(outname="${out}" name="${name}" format="jsonf")`),
      '}',
      'action(type="mmpstrucdata" sd_name.lowercase="off")',
      `action(type="omfile" file="${this.out}" template="j")`,
    );
    return lines.join('\n') + '\n';
  }

  /** Starts rsyslogd and waits until every input takes messages (a probe datagram per UDP input comes out). */
  async start(): Promise<void> {
    const child = spawn('rsyslogd', ['-n', '-f', this.conf, '-i', join(this.dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (this.stderr += d));
    running.add(child);
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    const i = this.inputs;
    this.accepting.clear();
    for (const port of Object.values({ ...i.tcp, ...i.tls })) this.watch(port);
    const streams = Object.values({ ...i.tcp, ...i.tls });
    const probe = createSocket('udp4');
    try {
      await until(
        `rsyslogd to take messages (${this.stderr.trim()})`,
        () => {
          const seen = new Set(this.lines(true).filter((l) => l.app === 'probe').map((l) => l.input));
          const waiting = Object.entries(i.udp ?? {}).filter(([name]) => !seen.has(name));
          for (const [, port] of waiting) probe.send('<14>1 - - probe - - - ready', port, '127.0.0.1');
          return waiting.length === 0 && (!i.socket || existsSync(i.socket)) && streams.every((p) => this.accepting.has(p));
        },
        20_000,
      );
    } finally {
      probe.close();
    }
  }

  private readonly accepting = new Set<number>();

  /** Marks a TCP port as accepting once a connection to it succeeds (checked in the background). */
  private watch(port: number): void {
    const c = connect({ host: '127.0.0.1', port });
    c.on('connect', () => {
      this.accepting.add(port);
      c.destroy();
    });
    c.on('error', () => setTimeout(() => this.child && this.watch(port), 50));
  }

  /** Stops it reading (SIGSTOP): what is sent meanwhile waits in its socket buffers. */
  hang(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGTERM: a restart; SIGKILL: a crash, with what it had not read or not written gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.child) return;
    this.child.kill(signal);
    await this.exited;
    running.delete(this.child);
    this.child = undefined;
  }

  /** What arrived, in order; only bpfaudit's messages unless `all`. */
  lines(all = false): SyslogLine[] {
    if (!existsSync(this.out)) return [];
    return readFileSync(this.out, 'utf8')
      .split('\n')
      // the last piece is a line rsyslogd is still writing, or empty
      .slice(0, -1)
      .map((l) => {
        const j = JSON.parse(l);
        const parsed = j.parsed ? JSON.parse(j.parsed) : {};
        return { ...j, pri: Number(j.pri), params: parsed['rfc5424-sd'] ?? {} } as SyslogLine;
      })
      .filter((l) => all || l.app === 'bpfaudit');
  }
}
