// The one owner of a native AF_UNIX datagram socket descriptor (the local
// syslog socket). Native failures come out as UnixSocketError with the step
// and errno; a send that stops early says how far it got and why.
import { loadNative } from './loader';
import type { NativeError } from './native';

export class UnixSocketError extends Error {
  constructor(
    message: string,
    readonly step: string,
    readonly errno: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'UnixSocketError';
  }
}

export interface SendResult {
  /** index of the first message not sent (messages.length when all went) */
  sent: number;
  /** why the next one did not go: EAGAIN is a full receive queue; undefined when all went */
  code?: string;
  errno?: number;
}

export class UnixDatagramSocket {
  private fd: number | undefined;

  private constructor(fd: number) {
    this.fd = fd;
  }

  static connect(path: string): UnixDatagramSocket {
    try {
      return new UnixDatagramSocket(loadNative().unixDatagramOpen(path));
    } catch (e) {
      const n = e as Partial<NativeError>;
      if (typeof n.step !== 'string') throw e;
      throw new UnixSocketError(n.message ?? 'connect failed', n.step, n.errno ?? 0, n.code ?? '');
    }
  }

  send(messages: Buffer[], from: number): SendResult {
    if (this.fd === undefined) throw new UnixSocketError('send on a closed socket', 'send', 9, 'EBADF');
    const r = loadNative().unixDatagramSend(this.fd, messages, from);
    return r.errno ? { sent: r.sent, errno: r.errno, code: r.code } : { sent: r.sent };
  }

  close(): void {
    if (this.fd === undefined) return;
    loadNative().closeFd(this.fd);
    this.fd = undefined;
  }
}
