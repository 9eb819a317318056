/**
 * Function addresses → names from the file's kallsyms section, as %ps prints
 * them in trace-cmd report: the symbol containing the address, without offset;
 * an address outside every symbol prints as 0x<hex>. Addresses are 64-bit, so
 * they are kept as (hi, lo) u32 pairs, sorted.
 *
 * A kernel lists ~100,000 symbols and a trace looks up a handful (workqueue
 * functions): the text is scanned byte by byte into typed arrays, and a name
 * becomes a string only when it is looked up.
 */
import { openInput } from '../../io/openInput.ts';

export class Kallsyms {
  private hi!: Uint32Array;
  private lo!: Uint32Array;
  /** Name of symbol k: text[nameStart[k], nameEnd[k]). */
  private nameStart!: Int32Array;
  private nameEnd!: Int32Array;
  private parsed = false;

  /** Parsed on the first lookup: most captures have no function pointer to name. */
  constructor(private readonly text: Buffer = Buffer.alloc(0)) {}

  private parse(): void {
    this.parsed = true;
    const text = this.text;
    // Lines are "ffffffff81000000 T _stext" or "ffffffffa0000000 t lock1\t[lrtest]".
    let lines = 1;
    for (let p = text.indexOf(0x0a); p >= 0; p = text.indexOf(0x0a, p + 1)) lines++;
    const hi = new Uint32Array(lines), lo = new Uint32Array(lines);
    const ns = new Int32Array(lines), ne = new Int32Array(lines);
    let n = 0;
    for (let p = 0; p < text.length; ) {
      let eol = text.indexOf(0x0a, p);
      if (eol < 0) eol = text.length;
      if (parseLine(text, p, eol)) {
        hi[n] = rowHi;
        lo[n] = rowLo;
        ns[n] = rowNameStart;
        ne[n] = rowNameEnd;
        n++;
      }
      p = eol + 1;
    }
    let sorted = true;
    for (let k = 1; k < n && sorted; k++) sorted = hi[k - 1] < hi[k] || (hi[k - 1] === hi[k] && lo[k - 1] <= lo[k]);
    if (sorted) {
      this.hi = hi.subarray(0, n);
      this.lo = lo.subarray(0, n);
      this.nameStart = ns.subarray(0, n);
      this.nameEnd = ne.subarray(0, n);
    } else {
      // Modules' symbols may come after the core kernel's, out of order: sort (stable, by address).
      const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || a - b);
      this.hi = Uint32Array.from(order, (k) => hi[k]);
      this.lo = Uint32Array.from(order, (k) => lo[k]);
      this.nameStart = Int32Array.from(order, (k) => ns[k]);
      this.nameEnd = Int32Array.from(order, (k) => ne[k]);
    }
  }

  /** The name of the symbol containing (hi, lo), or undefined. */
  lookup(hi: number, lo: number): string | undefined {
    const found = this.find(hi, lo);
    return found < 0 ? undefined : this.text.toString('latin1', this.nameStart[found], this.nameEnd[found]);
  }

  /**
   * A stack frame's address as %pS prints it (sprint_symbol(), kallsyms_lookup_size_offset()):
   * `func+0xoff/0xsize [module]`, the size running to the next symbol's address. undefined
   * when no symbol holds it: below the first, or past the last (freed module init text, say),
   * where ftrace and trace-cmd print the bare address too.
   */
  frameText(hi: number, lo: number): string | undefined {
    const k = this.find(hi, lo);
    if (k < 0) return undefined;
    const H = this.hi, L = this.lo;
    let next = k + 1;
    while (next < H.length && H[next] === H[k] && L[next] === L[k]) next++;
    if (next >= H.length) return undefined;
    const off = (hi - H[k]) * 2 ** 32 + (lo - L[k]);
    const size = (H[next] - H[k]) * 2 ** 32 + (L[next] - L[k]);
    const t = this.text;
    let s = `${t.toString('latin1', this.nameStart[k], this.nameEnd[k])}+0x${off.toString(16)}/0x${size.toString(16)}`;
    // "name\t[module]"
    const e = this.nameEnd[k];
    if (t[e] === 0x09 && t[e + 1] === 0x5b) {
      const close = t.indexOf(0x5d, e + 2);
      const eol = t.indexOf(0x0a, e);
      if (close > 0 && (eol < 0 || close < eol)) s += ` [${t.toString('latin1', e + 2, close)}]`;
    }
    return s;
  }

  /** Index of the last symbol at or below (hi, lo), or -1. */
  private find(hi: number, lo: number): number {
    if (!this.parsed) this.parse();
    let a = 0, b = this.hi.length - 1, found = -1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const h = this.hi[m], l = this.lo[m];
      if (h < hi || (h === hi && l <= lo)) {
        found = m;
        a = m + 1;
      } else b = m - 1;
    }
    return found;
  }
}

// The fields of the line parseLine() accepted last (module scope: no object per line).
let rowHi = 0, rowLo = 0, rowNameStart = 0, rowNameEnd = 0;

/** "<1-16 hex digits> <type> <name>[\t[module]]": false for anything else, and for address 0 (kptr_restrict lists zeros). */
function parseLine(t: Buffer, p: number, eol: number): boolean {
  let hi = 0, lo = 0, digits = 0;
  for (; p < eol; p++, digits++) {
    const c = t[p];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) break;
    // (hi, lo) <<= 4 | d, as two u32 halves
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
  }
  if (digits === 0 || digits > 16 || t[p] !== 0x20) return false;
  // the type: one or more non-space characters, then one space
  const typeStart = ++p;
  while (p < eol && t[p] !== 0x20 && t[p] !== 0x09) p++;
  if (p === typeStart || t[p] !== 0x20) return false;
  const nameStart = ++p;
  while (p < eol && t[p] !== 0x20 && t[p] !== 0x09 && t[p] !== 0x0d) p++;
  if (p === nameStart || (hi === 0 && lo === 0)) return false;
  rowHi = hi;
  rowLo = lo;
  rowNameStart = nameStart;
  rowNameEnd = p;
  return true;
}

/** A kallsyms file given by the user (--kallsyms), read whole (a few MB) and decompressed like any input. */
export async function readKallsymsFile(path: string): Promise<Buffer> {
  const input = await openInput(path);
  const parts: Buffer[] = [];
  for await (const c of input.chunks) parts.push(c);
  return Buffer.concat(parts);
}
