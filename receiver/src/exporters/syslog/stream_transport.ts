// Syslog over TCP (RFC 6587 octet counting) or TLS (RFC 5425): "LEN SP MSG".
//
// Plain syslog over TCP has no acknowledgement: when the receiver goes away,
// what sat in its socket buffer and in ours is gone, though every write
// succeeded. So the frames written last (up to resendBytes, more than those
// buffers hold) are kept and written again first on the next connection.
// Nothing is lost that way; the copies carry the same meta sequenceId, so a
// receiver can tell them from new messages.
//
// Certificates are read once, at construction (as root, before the privilege
// drop), so a reconnect as nobody still has them.
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Progress, HostEndpoint, SyslogTransport, TransportStats } from './syslog_transport';
import { unreachable } from './syslog_transport';

export interface StreamOptions {
  resendBytes: number;
  connectTimeoutMs: number;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

type Tls = { ca?: Buffer; cert?: Buffer; key?: Buffer };

export function octetCounted(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `), message]);
}

export class StreamTransport implements SyslogTransport {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private opened = 0;
  private readonly counts = { resent: 0, reconnects: 0 };
  /** the frames written last, oldest first: resendBytes and the whole of the latest batch */
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private readonly tls: Tls | undefined;
  /** why the current socket ended, for the error of a write that was waiting on it */
  private ended: Error | undefined;

  constructor(
    private readonly endpoint: HostEndpoint,
    private readonly options: StreamOptions,
  ) {
    if (endpoint.kind === 'tls') {
      const t = options.tls ?? {};
      this.tls = { ca: t.caFile ? readFileSync(t.caFile) : undefined, cert: t.certFile ? readFileSync(t.certFile) : undefined, key: t.keyFile ? readFileSync(t.keyFile) : undefined };
    }
  }

  private dial(): Socket {
    const { host, port } = this.endpoint;
    if (!this.tls) return tcpConnect({ host, port });
    return tlsConnect({ host, port, ...this.tls, servername: isIP(host) ? undefined : host });
  }

  private async open(): Promise<Socket> {
    if (this.socket) return this.socket;
    this.connecting ??= this.connectAndResend().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectAndResend(): Promise<Socket> {
    const socket = this.dial();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection within ${this.options.connectTimeoutMs} ms`)), this.options.connectTimeoutMs);
        socket.once(this.tls ? 'secureConnect' : 'connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
    } catch (e) {
      socket.destroy();
      throw unreachable(this.endpoint, (e as Error).message, e);
    }
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    this.ended = undefined;
    // receivers send nothing; their end of the stream means they are going away
    socket.on('data', () => {});
    socket.once('end', () => socket.destroy());
    socket.on('error', (e) => (this.ended = e));
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.socket = socket;
    if (this.opened++ > 0) {
      this.counts.reconnects++;
      if (this.kept.length) {
        this.counts.resent += this.kept.length;
        await this.write(socket, this.kept.slice());
      }
    }
    return socket;
  }

  /** Older frames are let go only when a new batch comes, so a batch larger than resendBytes is still kept whole. */
  private keep(frames: Buffer[]): void {
    while (this.kept.length && this.keptBytes > this.options.resendBytes) this.keptBytes -= this.kept.shift()!.length;
    for (const f of frames) {
      this.kept.push(f);
      this.keptBytes += f.length;
    }
  }

  /** Writes frames in one go; waits while the socket's buffer is over its mark. */
  private async write(socket: Socket, frames: Buffer[]): Promise<void> {
    socket.cork();
    let room = true;
    for (const f of frames) room = socket.write(f);
    socket.uncork();
    if (socket.destroyed) throw this.lost();
    if (room) return;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        if (socket.destroyed) reject(this.lost());
        else resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  private lost(): Error {
    return unreachable(this.endpoint, `connection lost: ${this.ended?.message ?? 'closed by the receiver'}`, this.ended);
  }

  async send(messages: Buffer[], progress: Progress): Promise<void> {
    const socket = await this.open();
    const frames = messages.slice(progress.next).map(octetCounted);
    this.keep(frames);
    // handed over: from here only a new connection's resend can bring them again
    progress.next = messages.length;
    await this.write(socket, frames);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), this.options.connectTimeoutMs).unref();
    });
  }

  stats(): TransportStats {
    return { ...this.counts };
  }
}
