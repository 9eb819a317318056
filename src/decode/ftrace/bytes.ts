/** Byte-level scanning helpers (no strings, no regular expressions on the hot path). */
export const SP = 0x20, TAB = 0x09, CR = 0x0d, LF = 0x0a, DASH = 0x2d, COLON = 0x3a, DOT = 0x2e;
export const LBRACK = 0x5b, RBRACK = 0x5d, LPAREN = 0x28, RPAREN = 0x29, HASH = 0x23;

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function skipSpaces(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === SP || b[i] === TAB)) i++;
  return i;
}

/** Index of the first space/tab at or after i (or end). */
export function tokenEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== SP && b[i] !== TAB) i++;
  return i;
}

/** Trims trailing spaces, tabs and CRs. */
export function trimEnd(b: Uint8Array, start: number, end: number): number {
  while (end > start && (b[end - 1] === SP || b[end - 1] === TAB || b[end - 1] === CR)) end--;
  return end;
}

/** True if bytes [i, i+lit.length) equal lit. */
export function startsWith(b: Uint8Array, i: number, end: number, lit: Uint8Array): boolean {
  if (end - i < lit.length) return false;
  for (let j = 0; j < lit.length; j++) if (b[i + j] !== lit[j]) return false;
  return true;
}

export function equalsRange(b: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  return e - s === lit.length && startsWith(b, s, e, lit);
}

/** Finds lit in [i, end), or -1. */
export function indexOf(b: Uint8Array, i: number, end: number, lit: Uint8Array): number {
  const n = lit.length, first = lit[0];
  for (let k = i; k + n <= end; k++) {
    if (b[k] !== first) continue;
    let j = 1;
    while (j < n && b[k + j] === lit[j]) j++;
    if (j === n) return k;
  }
  return -1;
}

/** Finds lit in [i, end) searching from the right, or -1. */
export function lastIndexOf(b: Uint8Array, i: number, end: number, lit: Uint8Array): number {
  const n = lit.length;
  for (let k = end - n; k >= i; k--) {
    let j = 0;
    while (j < n && b[k + j] === lit[j]) j++;
    if (j === n) return k;
  }
  return -1;
}

/** Parses an unsigned decimal in [s, e); -1 if empty, not all digits, or too long. */
export function parseUint(b: Uint8Array, s: number, e: number): number {
  if (e <= s || e - s > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/** Parses a possibly negative decimal; NaN if malformed. */
export function parseInt10(b: Uint8Array, s: number, e: number): number {
  if (s < e && b[s] === DASH) {
    const v = parseUint(b, s + 1, e);
    return v < 0 ? NaN : -v;
  }
  const v = parseUint(b, s, e);
  return v < 0 ? NaN : v;
}

/**
 * Parses "SSSS.FFFFFF" (any number of fraction digits) or a raw counter into
 * integer nanoseconds. -1 if malformed.
 */
export function parseTimestampNs(b: Uint8Array, s: number, e: number): number {
  let i = s, sec = 0, nd = 0;
  while (i < e && isDigit(b[i])) {
    sec = sec * 10 + (b[i] - 0x30);
    i++;
    nd++;
  }
  if (nd === 0 || nd > 15) return -1;
  if (i === e) return sec; // raw counter clock: taken as is
  if (b[i] !== DOT) return -1;
  i++;
  let frac = 0, fd = 0;
  while (i < e && isDigit(b[i])) {
    if (fd < 9) {
      frac = frac * 10 + (b[i] - 0x30);
      fd++;
    }
    i++;
  }
  if (i !== e || fd === 0) return -1;
  for (let k = fd; k < 9; k++) frac *= 10;
  return sec * 1e9 + frac;
}

export const ascii = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
