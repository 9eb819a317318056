/**
 * Pointer values → interned "0x<lowercase hex>" string IDs, the way trace-cmd
 * report prints a pointer field (libtraceevent's "0x%llx"). A lock address
 * recurs on most of its events, so the table is keyed by the value itself: an
 * open-addressing hash over (hi, lo) u32 pairs in typed arrays. The hex text is
 * built and interned only the first time a value is seen; afterwards a pointer
 * costs one probe, no formatting and no byte hashing.
 */
import type { ByteInterner } from '../../model/byteInterner.ts';

const HEX = Buffer.from('0123456789abcdef');

/** Mixes both halves (kernel pointers share their high bits; their low bits are aligned). */
function hash(hi: number, lo: number): number {
  let h = lo ^ Math.imul(hi, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class PointerIds {
  private hi = new Uint32Array(4096);
  private lo = new Uint32Array(4096);
  /** String ID + 1 per slot; 0 = free. */
  private ids = new Int32Array(4096);
  private mask = 4095;
  private count = 0;
  private readonly text = new Uint8Array(18);

  constructor(private readonly strings: ByteInterner) {
    this.text[0] = 0x30; // '0'
    this.text[1] = 0x78; // 'x'
  }

  /** The string ID of the pointer whose high and low 32 bits are given. */
  id(hi: number, lo: number): number {
    const mask = this.mask;
    let slot = hash(hi, lo) & mask;
    for (;;) {
      const e = this.ids[slot];
      if (e === 0) break;
      if (this.lo[slot] === lo && this.hi[slot] === hi) return e - 1;
      slot = (slot + 1) & mask;
    }
    const id = this.format(hi, lo);
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.ids[slot] = id + 1;
    if (++this.count * 2 > mask) this.grow();
    return id;
  }

  private format(hi: number, lo: number): number {
    const t = this.text;
    let n = 2;
    let started = false;
    for (let k = 28; k >= 0; k -= 4) {
      const d = (hi >>> k) & 15;
      if (d || started) {
        t[n++] = HEX[d];
        started = true;
      }
    }
    for (let k = 28; k >= 0; k -= 4) {
      const d = (lo >>> k) & 15;
      if (d || started || k === 0) {
        t[n++] = HEX[d];
        started = true;
      }
    }
    return this.strings.intern(t, 0, n);
  }

  private grow(): void {
    const { hi, lo, ids } = this;
    const n = ids.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.ids = new Int32Array(n);
    this.mask = n - 1;
    this.count = 0;
    for (let s = 0; s < ids.length; s++) {
      if (ids[s] === 0) continue;
      const h = hi[s], l = lo[s];
      let slot = hash(h, l) & this.mask;
      while (this.ids[slot] !== 0) slot = (slot + 1) & this.mask;
      this.hi[slot] = h;
      this.lo[slot] = l;
      this.ids[slot] = ids[s];
      this.count++;
    }
  }
}
