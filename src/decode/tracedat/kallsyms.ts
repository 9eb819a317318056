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
import { readFileSync, statSync } from 'node:fs';
import { detectCompression } from '../../io/compression.ts';
import { openInput } from '../../io/openInput.ts';

/** Hex digit value of each byte, -1 for any other byte. */
const HEX_DIGIT = Int8Array.from({ length: 256 }, (_, c) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);
/** Bytes that end a symbol's type or name: space, tab, CR, LF. */
const FIELD_END = Uint8Array.from({ length: 256 }, (_, c) => (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a ? 1 : 0));

/**
 * Of several symbols at one address (aliases: `__schedule` and `__sched_text_start`), the one that names it.
 * 'first': the first listed, as the kernel's %pS/%ps do (kernel/kallsyms.c get_symbol_pos(): "Search for
 * the first aliased symbol") and trace-cmd report prints. 'last': the last listed, which is what perf script
 * printed on the captures here (the global `__sched_text_start` after the local `__schedule`; perf's own rule
 * is choose_best_symbol() in tools/perf/util/symbol.c).
 */
export type AliasChoice = 'first' | 'last';

export class Kallsyms {
  private hi!: Uint32Array;
  private lo!: Uint32Array;
  /** Name of symbol k: text[nameStart[k], nameEnd[k]). */
  private nameStart!: Int32Array;
  private nameEnd!: Int32Array;
  private parsed = false;

  /** Parsed on the first lookup: most captures have no function pointer to name. */
  constructor(
    private readonly text: Buffer = Buffer.alloc(0),
    private readonly aliases: AliasChoice = 'last',
  ) {}

  private parse(): void {
    this.parsed = true;
    // A plain Uint8Array view: Buffer.indexOf per line costs a native call each (~100 ms for 2 MB), byte loops do not.
    const text = new Uint8Array(this.text.buffer, this.text.byteOffset, this.text.length);
    const len = text.length;
    // Lines are "ffffffff81000000 T _stext" or "ffffffffa0000000 t lock1\t[lrtest]". One pass: each line is
    // parsed as far as its name, then skipped to its end (the tables grow; lines are ~40 bytes).
    let cap = Math.max(64, len >>> 5);
    let addrHi = new Uint32Array(cap), addrLo = new Uint32Array(cap);
    let ns = new Int32Array(cap), ne = new Int32Array(cap);
    let n = 0;
    // "<1-16 hex digits> <type> <name>[\t[module]]": anything else is skipped, and address 0 too (kptr_restrict
    // lists zeros). One table lookup per byte, in this loop (a helper per line cost ~2x while the JIT warms up).
    for (let p = 0; p < len; ) {
      let hi = 0, lo = 0, q = p, d = 0;
      for (; q < len && (d = HEX_DIGIT[text[q]]) >= 0; q++) {
        // (hi, lo) <<= 4 | d, as two u32 halves
        hi = ((hi << 4) | (lo >>> 28)) >>> 0;
        lo = ((lo << 4) | d) >>> 0;
      }
      const digits = q - p;
      if (digits > 0 && digits <= 16 && q < len && text[q] === 0x20) {
        // the type: one or more characters up to one space
        const typeStart = ++q;
        while (q < len && FIELD_END[text[q]] === 0) q++;
        if (q > typeStart && q < len && text[q] === 0x20) {
          const nameStart = ++q;
          while (q < len && FIELD_END[text[q]] === 0) q++;
          if (q > nameStart && (hi !== 0 || lo !== 0)) {
            if (n === cap) {
              cap *= 2;
              addrHi = grownU32(addrHi, cap);
              addrLo = grownU32(addrLo, cap);
              ns = grownI32(ns, cap);
              ne = grownI32(ne, cap);
            }
            addrHi[n] = hi;
            addrLo[n] = lo;
            ns[n] = nameStart;
            ne[n] = q;
            n++;
          }
        }
      }
      while (q < len && text[q] !== 0x0a) q++;
      p = q + 1;
    }
    const hi = addrHi, lo = addrLo;
    let sorted = true;
    for (let k = 1; k < n && sorted; k++) sorted = hi[k - 1] < hi[k] || (hi[k - 1] === hi[k] && lo[k - 1] <= lo[k]);
    if (sorted) {
      this.hi = hi.subarray(0, n);
      this.lo = lo.subarray(0, n);
      this.nameStart = ns.subarray(0, n);
      this.nameEnd = ne.subarray(0, n);
    } else {
      // Modules' symbols come after the core kernel's, partly out of order: sort (stable, by address).
      const order = addressOrder(hi, lo, n);
      const h = new Uint32Array(n), l = new Uint32Array(n), s = new Int32Array(n), e = new Int32Array(n);
      for (let k = 0; k < n; k++) {
        const o = order[k];
        h[k] = hi[o];
        l[k] = lo[o];
        s[k] = ns[o];
        e[k] = ne[o];
      }
      this.hi = h;
      this.lo = l;
      this.nameStart = s;
      this.nameEnd = e;
    }
  }

  /** No symbol at all (no kallsyms, or one of unparsable or zeroed lines): parses the text. */
  get empty(): boolean {
    if (!this.parsed) this.parse();
    return this.hi.length === 0;
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

  /**
   * Index of the symbol holding (hi, lo): the highest address at or below it, of several there the one
   * `aliases` says; -1 below every symbol.
   */
  private find(hi: number, lo: number): number {
    if (!this.parsed) this.parse();
    const H = this.hi, L = this.lo;
    let a = 0, b = H.length - 1, found = -1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const h = H[m], l = L[m];
      if (h < hi || (h === hi && l <= lo)) {
        found = m;
        a = m + 1;
      } else b = m - 1;
    }
    if (this.aliases === 'first') while (found > 0 && H[found - 1] === H[found] && L[found - 1] === L[found]) found--;
    return found;
  }
}

function grownU32(a: Uint32Array<ArrayBuffer>, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

function grownI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * Indices 0..n-1 by address (hi, lo), ties in index order: a natural merge sort, as a kallsyms is sorted
 * but for a few runs (each module's symbols). Typed arrays and inline compares: Array.sort with a
 * comparator took ~60 ms for 48,000 symbols.
 */
function addressOrder(hi: Uint32Array, lo: Uint32Array, n: number): Uint32Array {
  let src = new Uint32Array(n), dst = new Uint32Array(n);
  for (let i = 0; i < n; i++) src[i] = i;
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (hi[i] < hi[i - 1] || (hi[i] === hi[i - 1] && lo[i] < lo[i - 1])) starts.push(i);
  starts.push(n);
  let runs = starts;
  while (runs.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const a0 = runs[r], mid = runs[r + 1], end = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = a0, j = mid, o = a0;
      while (i < mid && j < end) {
        const x = src[i], y = src[j];
        dst[o++] = hi[y] < hi[x] || (hi[y] === hi[x] && lo[y] < lo[x]) ? (j++, y) : (i++, x);
      }
      while (i < mid) dst[o++] = src[i++];
      while (j < end) dst[o++] = src[j++];
      next.push(end);
    }
    runs = next;
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/** A kallsyms file given by the user (--kallsyms), read whole (a few MB) and decompressed like any input. */
export async function readKallsymsFile(path: string): Promise<Buffer> {
  const plain = plainFileBytes(path);
  if (plain) return plain;
  const input = await openInput(path);
  const parts: Buffer[] = [];
  for await (const c of input.chunks) parts.push(c);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * An uncompressed regular file in one read (openInput's stream and the concat of its 1 MB chunks cost
 * ~7 ms for a 2 MB kallsyms); undefined for anything else (compressed, a pipe, missing: openInput
 * decompresses it or says what is wrong).
 */
function plainFileBytes(path: string): Buffer | undefined {
  try {
    if (path === '-' || !statSync(path).isFile()) return undefined;
    const bytes = readFileSync(path);
    return detectCompression(bytes) === 'none' ? bytes : undefined;
  } catch {
    return undefined;
  }
}
