// Text that came from a process (comm, argv, paths) must not be able to
// start a new line or drive a terminal: every control character, the C1
// range, the Unicode line/paragraph separators and the backslash itself are
// written as escapes, so one record is always exactly one line.

const NAMED: Record<number, string> = {
  0x09: '\\t',
  0x0a: '\\n',
  0x0d: '\\r',
  0x1b: '\\e',
  0x5c: '\\\\',
};

function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
}

function needsEscape(c: number): boolean {
  return isControl(c) || c === 0x5c;
}

/** Escapes process-supplied text for a body line (backslash included, so escapes stay unambiguous). */
export function escapeText(s: string): string {
  return escapeWhere(s, needsEscape);
}

/**
 * Escapes only what could break a line or drive a terminal; for text that is
 * escaped already (bodies built by the mapping) this changes nothing.
 */
export function escapeControls(s: string): string {
  return escapeWhere(s, isControl);
}

function escapeWhere(s: string, test: (c: number) => boolean): string {
  let i = 0;
  for (; i < s.length; i++) if (test(s.charCodeAt(i))) break;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!test(c)) {
      out += s[i];
    } else if (NAMED[c] !== undefined) {
      out += NAMED[c];
    } else if (c <= 0xff) {
      out += '\\x' + c.toString(16).padStart(2, '0');
    } else {
      out += '\\u' + c.toString(16).padStart(4, '0');
    }
  }
  return out;
}

/** One argv element for a body line: escaped, quoted when it would not read as one word. */
export function quoteArg(s: string): string {
  const e = escapeText(s);
  if (e !== '' && !/[\s'"]/.test(e)) return e;
  return `'${e.replace(/'/g, "\\'")}'`;
}
