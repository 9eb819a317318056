/**
 * Kernel return addresses → interned frame texts, as %pS prints them
 * (`func+0xoff/0xsize [module]` from kallsyms, else `0x<hex>`): the frames of
 * trace.dat kernel_stack records and of perf.data callchains. Each distinct
 * address is looked up and interned once; per frame after that, one lookup in
 * an open-addressing table of typed arrays (no object or string per frame).
 */
import type { ByteInterner } from '../../model/byteInterner.ts';
import type { Kallsyms } from './kallsyms.ts';

export class FrameTexts {
  /** Open addressing on the address halves; id 0 = empty slot (string IDs of frames are never 0). */
  private hi = new Uint32Array(4096);
  private lo = new Uint32Array(4096);
  private id = new Uint32Array(4096);
  /** 1: a user-space address (never symbolized), 0: a kernel one. */
  private user_ = new Uint8Array(4096);
  private used = 0;

  constructor(
    private readonly strings: ByteInterner,
    private readonly kallsyms: Kallsyms,
  ) {}

  /** The string ID of kernel address (hi, lo) as %pS prints it. */
  kernel(hi: number, lo: number): number {
    return this.lookup(hi, lo, true);
  }

  /** The string ID of a user-space address (`0x<hex>`: kallsyms names kernel addresses only). */
  user(hi: number, lo: number): number {
    return this.lookup(hi, lo, false);
  }

  private lookup(hi: number, lo: number, kernel: boolean): number {
    const u = kernel ? 0 : 1;
    const mask = this.id.length - 1;
    let slot = slotOf(hi, lo, mask);
    for (;;) {
      const id = this.id[slot];
      if (id === 0) break;
      if (this.lo[slot] === lo && this.hi[slot] === hi && this.user_[slot] === u) return id;
      slot = (slot + 1) & mask;
    }
    const text = kernel ? this.kallsyms.frameText(hi, lo) : undefined;
    const id = this.strings.internString(text ?? `0x${hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16)}`);
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.id[slot] = id;
    this.user_[slot] = u;
    if (++this.used * 2 > this.id.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const { hi, lo, id, user_ } = this;
    const n = id.length * 2, mask = n - 1;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.id = new Uint32Array(n);
    this.user_ = new Uint8Array(n);
    for (let k = 0; k < id.length; k++) {
      if (id[k] === 0) continue;
      let slot = slotOf(hi[k], lo[k], mask);
      while (this.id[slot] !== 0) slot = (slot + 1) & mask;
      this.hi[slot] = hi[k];
      this.lo[slot] = lo[k];
      this.id[slot] = id[k];
      this.user_[slot] = user_[k];
    }
  }
}

function slotOf(hi: number, lo: number, mask: number): number {
  const h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b);
  return (h ^ (h >>> 16)) & mask;
}
