/**
 * lockdep's chain cache (lookup_chain_cache_add()): a held-lock chain that was
 * validated once is not walked again. Here a chain is the exact sequence of
 * (class, instance, flags) on a context's stack plus the new lock; its record
 * lists the dependencies the walk produced (id, read combo, clean code), so a
 * repeat costs one probe and a few counter increments. Bounded: it is a
 * cache, emptied when full, never a source of truth.
 *
 * Typed arrays only: an open-addressing table of 52-bit chain keys, whose
 * slots point into one pool of records [n, dep, combo, clean, ...]. A slot is
 * live when its stamp is the current generation, so emptying the cache is one
 * increment, whatever its size. A key travels as its two halves (low 32 bits,
 * high 20 bits), int32 each: a 52-bit double passed to or returned from a call
 * V8 does not inline is a heap number, and that was one or two per event.
 */
const MAX_CHAINS = 1 << 20;

export class ChainCache {
  private keyLo = new Int32Array(1 << 12);
  private keyHi = new Int32Array(1 << 12);
  private stamps = new Int32Array(1 << 12);
  private slots = new Int32Array(1 << 12);
  private shift = 32 - 12;
  private gen = 1;
  private live = 0;
  /** Records: [n, dep0, combo0, clean0, dep1, ...]; read it at the offset get() returns. */
  pool = new Int32Array(1 << 14);
  private poolLen = 0;
  /** Start of the record being written (begin() .. commit()). */
  private open = -1;
  /** Distinct chains ever validated (for the capacity report). */
  distinct = 0;
  evictions = 0;

  get size(): number {
    return this.distinct;
  }

  /** Offset in `pool` of the record of the chain keyed (lo, hi), or -1. */
  get(lo: number, hi: number): number {
    const keyLo = this.keyLo, keyHi = this.keyHi, stamps = this.stamps, mask = stamps.length - 1, gen = this.gen;
    for (let s = slotOf(lo, hi, this.shift); ; s = (s + 1) & mask) {
      if (stamps[s] !== gen) return -1;
      if (keyLo[s] === lo && keyHi[s] === hi) return this.slots[s];
    }
  }

  /** Starts the record of a chain being validated: add() its dependencies, then commit() it. */
  begin(): void {
    if (this.live >= MAX_CHAINS) {
      this.clear();
      this.evictions++;
    }
    this.reserve(1);
    this.open = this.poolLen;
    this.pool[this.poolLen++] = 0;
  }

  /** One dependency of the open record; `clean` is the caller's code (replay/replayer: clean, provable at held index k, or 0). */
  add(dep: number, combo: number, clean: number): void {
    this.reserve(3);
    const p = this.pool, n = this.poolLen;
    p[n] = dep;
    p[n + 1] = combo;
    p[n + 2] = clean;
    this.poolLen = n + 3;
    p[this.open]++;
  }

  /** Files the record begun last under the chain key (lo, hi). */
  commit(lo: number, hi: number): void {
    if ((this.live + 1) * 2 > this.stamps.length) this.grow();
    const keyLo = this.keyLo, keyHi = this.keyHi, stamps = this.stamps, mask = stamps.length - 1, gen = this.gen;
    let s = slotOf(lo, hi, this.shift);
    while (stamps[s] === gen && (keyLo[s] !== lo || keyHi[s] !== hi)) s = (s + 1) & mask;
    if (stamps[s] !== gen) this.live++;
    keyLo[s] = lo;
    keyHi[s] = hi;
    stamps[s] = gen;
    this.slots[s] = this.open;
    this.open = -1;
    this.distinct++;
  }

  /** Forgets every chain (held state changed under the cache's feet). */
  clear(): void {
    this.gen++;
    this.live = 0;
    this.poolLen = 0;
  }

  private reserve(n: number): void {
    if (this.poolLen + n <= this.pool.length) return;
    const p = new Int32Array(Math.max(this.pool.length * 2, this.poolLen + n));
    p.set(this.pool.subarray(0, this.poolLen));
    this.pool = p;
  }

  private grow(): void {
    const { keyLo, keyHi, stamps, slots, gen } = this;
    const n = stamps.length * 2;
    this.keyLo = new Int32Array(n);
    this.keyHi = new Int32Array(n);
    this.stamps = new Int32Array(n);
    this.slots = new Int32Array(n);
    this.shift--;
    const mask = n - 1;
    for (let s = 0; s < stamps.length; s++) {
      if (stamps[s] !== gen) continue;
      let t = slotOf(keyLo[s], keyHi[s], this.shift);
      while (this.stamps[t] === gen) t = (t + 1) & mask;
      this.keyLo[t] = keyLo[s];
      this.keyHi[t] = keyHi[s];
      this.stamps[t] = gen;
      this.slots[t] = slots[s];
    }
  }
}

/** Table slot of a chain key: both halves mixed, top bits kept. */
function slotOf(lo: number, hi: number, shift: number): number {
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> shift;
}

/**
 * The 52-bit chain key (iterate_chain_key() in spirit) is the parent chain's
 * extended by one held entry, in two independent halves (0, 0: the empty
 * chain). This is the low 32 bits, as an int32: class and flags.
 */
export function chainKeyLo(parentLo: number, cls: number, flags: number): number {
  let lo = Math.imul(parentLo ^ cls, 0x9e3779b1);
  lo = Math.imul(lo ^ (lo >>> 15) ^ flags, 0x85ebca77);
  return lo ^ (lo >>> 16);
}

/** The high 20 bits of the chain key (see chainKeyLo()): class and instance. */
export function chainKeyHi(parentHi: number, cls: number, inst: number): number {
  let hi = Math.imul(parentHi ^ inst, 0xc2b2ae3d);
  hi = Math.imul(hi ^ (hi >>> 13) ^ cls, 0x27d4eb2f);
  return (hi ^ (hi >>> 16)) & 0xfffff;
}
