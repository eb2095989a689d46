// The local syslog socket (/dev/log): one datagram per message. A daemon
// that reads too slowly fills its queue (EAGAIN): waited out briefly, then
// handed to the delivery processor's backoff like a daemon that is gone
// (ECONNREFUSED, ENOENT), which reopens the socket on the next try.
import { UnixDatagramSocket } from '../../native/unix_datagram';
import type { Progress, UnixEndpoint, SyslogTransport, TransportStats } from './syslog_transport';
import { unreachable } from './syslog_transport';

const FULL_QUEUE_WAIT_MS = 1000;

export class UnixTransport implements SyslogTransport {
  private socket: UnixDatagramSocket | undefined;
  private opened = 0;
  private readonly counts = { resent: 0, reconnects: 0 };

  constructor(private readonly endpoint: UnixEndpoint) {}

  private open(): UnixDatagramSocket {
    if (this.socket) return this.socket;
    try {
      this.socket = UnixDatagramSocket.connect(this.endpoint.path);
    } catch (e) {
      throw unreachable(this.endpoint, (e as Error).message, e);
    }
    if (this.opened++ > 0) this.counts.reconnects++;
    return this.socket;
  }

  async send(messages: Buffer[], progress: Progress): Promise<void> {
    let waitedSince: number | undefined;
    while (progress.next < messages.length) {
      const r = this.open().send(messages, progress.next);
      progress.next = r.sent;
      if (!r.code) return;
      if (r.code !== 'EAGAIN') {
        this.socket?.close();
        this.socket = undefined;
        throw unreachable(this.endpoint, `send failed: ${r.code}`);
      }
      waitedSince ??= Date.now();
      if (Date.now() - waitedSince > FULL_QUEUE_WAIT_MS) throw unreachable(this.endpoint, `the receiver's queue stayed full for ${FULL_QUEUE_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    this.socket?.close();
    this.socket = undefined;
  }

  stats(): TransportStats {
    return { ...this.counts };
  }
}
