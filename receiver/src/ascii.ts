// Text that is all ASCII has as many UTF-8 bytes as characters and can be
// written byte by byte: the encoder and the body lines both look first.

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
