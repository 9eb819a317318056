/**
 * lockdep's chain cache (lookup_chain_cache_add()): a held-lock chain that was
 * validated once is not walked again. Here a chain is the exact sequence of
 * (class, instance, flags) on a context's stack plus the new lock; its record
 * lists the dependencies the walk produced (id, read combo, clean), so a
 * repeat costs one probe and a few counter increments. Bounded: it is a
 * cache, emptied when full, never a source of truth.
 *
 * Typed arrays only: an open-addressing table of 52-bit chain keys, whose
 * slots point into one pool of records [n, dep, combo, clean, ...]. A slot is
 * live when its stamp is the current generation, so emptying the cache is one
 * increment, whatever its size.
 */
const MAX_CHAINS = 1 << 20;
const TWO32 = 4294967296;

export class ChainCache {
  private keys = new Float64Array(1 << 12);
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

  /** Offset of the chain's record in `pool`, or -1. */
  get(key: number): number {
    const keys = this.keys, stamps = this.stamps, mask = keys.length - 1, gen = this.gen;
    for (let s = slotOf(key, this.shift); ; s = (s + 1) & mask) {
      if (stamps[s] !== gen) return -1;
      if (keys[s] === key) return this.slots[s];
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

  add(dep: number, combo: number, clean: boolean): void {
    this.reserve(3);
    const p = this.pool, n = this.poolLen;
    p[n] = dep;
    p[n + 1] = combo;
    p[n + 2] = clean ? 1 : 0;
    this.poolLen = n + 3;
    p[this.open]++;
  }

  commit(key: number): void {
    if ((this.live + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys, stamps = this.stamps, mask = keys.length - 1, gen = this.gen;
    let s = slotOf(key, this.shift);
    while (stamps[s] === gen && keys[s] !== key) s = (s + 1) & mask;
    if (stamps[s] !== gen) this.live++;
    keys[s] = key;
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
    const { keys, stamps, slots, gen } = this;
    const n = keys.length * 2;
    this.keys = new Float64Array(n);
    this.stamps = new Int32Array(n);
    this.slots = new Int32Array(n);
    this.shift--;
    const mask = n - 1;
    for (let s = 0; s < keys.length; s++) {
      if (stamps[s] !== gen) continue;
      let t = slotOf(keys[s], this.shift);
      while (this.stamps[t] === gen) t = (t + 1) & mask;
      this.keys[t] = keys[s];
      this.stamps[t] = gen;
      this.slots[t] = slots[s];
    }
  }
}

/** Table slot of a 52-bit key: both halves mixed, top bits kept. */
function slotOf(key: number, shift: number): number {
  const lo = key >>> 0, hi = (key / TWO32) >>> 0;
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> shift;
}

/** 52-bit chain hash (iterate_chain_key() in spirit): parent chain extended by one held entry. */
export function chainHash(parent: number, cls: number, inst: number, flags: number): number {
  let lo = parent >>> 0;
  let hi = Math.floor(parent / TWO32) >>> 0;
  lo = Math.imul(lo ^ cls, 0x9e3779b1);
  lo = Math.imul(lo ^ (lo >>> 15) ^ flags, 0x85ebca77);
  hi = Math.imul(hi ^ inst, 0xc2b2ae3d);
  hi = Math.imul(hi ^ (hi >>> 13) ^ cls, 0x27d4eb2f);
  lo ^= lo >>> 16;
  hi ^= hi >>> 16;
  return (hi & 0xfffff) * TWO32 + (lo >>> 0);
}
