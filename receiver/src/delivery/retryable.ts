// An export failure worth waiting out (a full disk, a directory being
// rotated): the delivery processor holds the batch and tries it again,
// so the pause backs up into the kernel's ring instead of losing records.
export class RetryableExportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableExportError';
  }
}
