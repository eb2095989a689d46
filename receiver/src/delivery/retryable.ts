// An export failure worth waiting out (a full disk, a directory being
// rotated): the delivery processor holds the batch and tries it again,
// so the pause backs up into the kernel's ring instead of losing records.
export class RetryableExportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableExportError';
  }
}

/**
 * The pause before trying a failed local write again: `ms`, or until one of
 * `wakers` is called (shutdown's deadline has passed and the waiting ends).
 */
export function retryPause(ms: number, wakers: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      wakers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    wakers.add(wake);
  });
}
