// Syslog over UDP (RFC 5426): one datagram per message, nothing acknowledged.
// A send that fails (an ICMP error reported on the connected socket, no
// route) stops the batch there; the socket is made anew on the next try.
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Progress, HostEndpoint, SyslogTransport, TransportStats } from './syslog_transport';
import { unreachable } from './syslog_transport';

export class UdpTransport implements SyslogTransport {
  private socket: Socket | undefined;
  private opened = 0;
  private readonly counts = { resent: 0, reconnects: 0 };

  constructor(private readonly endpoint: HostEndpoint) {}

  private async open(): Promise<Socket> {
    if (this.socket) return this.socket;
    const { host, port } = this.endpoint;
    const family = isIP(host) || (await lookup(host)).family;
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => this.drop(socket));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
    if (this.opened++ > 0) this.counts.reconnects++;
    return socket;
  }

  private readonly closed = new WeakSet<Socket>();

  /** Closes a socket once, whichever of its errors and failed sends comes first. */
  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = undefined;
    if (this.closed.has(socket)) return;
    this.closed.add(socket);
    socket.close();
  }

  async send(messages: Buffer[], progress: Progress): Promise<void> {
    let socket: Socket;
    try {
      socket = await this.open();
    } catch (e) {
      throw unreachable(this.endpoint, (e as Error).message, e);
    }
    const from = progress.next;
    let failedAt = messages.length;
    let failure: Error | undefined;
    await Promise.all(
      messages.slice(from).map(
        (m, i) =>
          new Promise<void>((resolve) =>
            socket.send(m, (e) => {
              if (e && from + i < failedAt) {
                failedAt = from + i;
                failure = e;
              }
              resolve();
            }),
          ),
      ),
    );
    progress.next = failedAt;
    if (failure) {
      this.drop(socket);
      throw unreachable(this.endpoint, `send failed: ${failure.message}`, failure);
    }
  }

  async close(): Promise<void> {
    if (this.socket) this.drop(this.socket);
  }

  stats(): TransportStats {
    return { ...this.counts };
  }
}
