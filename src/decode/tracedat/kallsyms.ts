/**
 * Function addresses → names from the file's kallsyms section, as %ps prints
 * them in trace-cmd report: the symbol containing the address, without offset;
 * an address outside every symbol prints as 0x<hex>. Addresses are 64-bit, so
 * they are kept as (hi, lo) u32 pairs, sorted.
 */
export class Kallsyms {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private names: string[];

  constructor(text: Buffer | undefined) {
    const rows: [number, number, string][] = [];
    if (text) {
      for (const line of text.toString('latin1').split('\n')) {
        // "ffffffff81000000 T _stext" or "ffffffffa0000000 t lock1\t[lrtest]"
        const m = /^([0-9a-fA-F]{1,16}) \S+ (\S+)/.exec(line);
        if (!m) continue;
        const h = m[1].padStart(16, '0');
        const hi = parseInt(h.slice(0, 8), 16), lo = parseInt(h.slice(8), 16);
        if (hi === 0 && lo === 0) continue; // unreadable kallsyms (kptr_restrict) lists zeros
        rows.push([hi, lo, m[2]]);
      }
    }
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.hi = Uint32Array.from(rows, (r) => r[0]);
    this.lo = Uint32Array.from(rows, (r) => r[1]);
    this.names = rows.map((r) => r[2]);
  }

  /** The name of the symbol containing (hi, lo), or undefined. */
  lookup(hi: number, lo: number): string | undefined {
    let a = 0, b = this.hi.length - 1, found = -1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const h = this.hi[m], l = this.lo[m];
      if (h < hi || (h === hi && l <= lo)) {
        found = m;
        a = m + 1;
      } else b = m - 1;
    }
    return found < 0 ? undefined : this.names[found];
  }
}
