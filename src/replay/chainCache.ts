/**
 * lockdep's chain cache (lookup_chain_cache_add()): a held-lock chain that was
 * validated once is not walked again. Here a chain is the exact sequence of
 * (class, instance, flags) on a context's stack plus the new lock; its value
 * lists the dependencies the walk produced (id, read combo, clean), so a
 * repeat costs one lookup and a few counter increments. Bounded: it is a
 * cache, emptied when full, never a source of truth.
 */
const MAX_CHAINS = 1 << 20;

export class ChainCache {
  private readonly map = new Map<number, number[]>();
  /** Distinct chains ever validated (for the capacity report). */
  distinct = 0;
  evictions = 0;

  get size(): number {
    return this.distinct;
  }

  get(key: number): number[] | undefined {
    return this.map.get(key);
  }

  set(key: number, deps: number[]): void {
    if (this.map.size >= MAX_CHAINS) {
      this.map.clear();
      this.evictions++;
    }
    this.map.set(key, deps);
    this.distinct++;
  }

  /** Held state changed under the cache's feet (lost events, buffer start): forget everything. */
  clear(): void {
    this.map.clear();
  }
}

const TWO32 = 4294967296;

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
