/**
 * The typed-array chain cache (src/replay/chainCache.ts): records come back
 * exactly as written across table growth, clear() forgets everything at once,
 * and keys differing only in their high bits stay apart.
 */
import { describe, expect, it } from 'vitest';
import { ChainCache, chainKeyHi, chainKeyLo } from '../../src/replay/chainCache.ts';

function record(c: ChainCache, at: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < c.pool[at]; k++) out.push([c.pool[at + 1 + 3 * k], c.pool[at + 2 + 3 * k], c.pool[at + 3 + 3 * k]]);
  return out;
}

describe('ChainCache', () => {
  it('keeps every record through many growths of the table and the pool', () => {
    const c = new ChainCache();
    const keys: [number, number][] = [];
    let lo = 0, hi = 0;
    for (let i = 0; i < 20_000; i++) {
      lo = chainKeyLo(lo, i, i & 3);
      hi = chainKeyHi(hi, i, i * 7);
      keys.push([lo, hi]);
      c.begin();
      for (let d = 0; d < i % 4; d++) c.add(i + d, d, d % 2 === 0 ? 1 : 0);
      c.commit(lo, hi);
    }
    expect(c.distinct).toBe(20_000);
    keys.forEach(([klo, khi], i) => {
      const at = c.get(klo, khi);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(record(c, at)).toEqual(Array.from({ length: i % 4 }, (_, d) => [i + d, d, d % 2 === 0 ? 1 : 0]));
    });
    expect(c.get(chainKeyLo(lo, 1, 3), chainKeyHi(hi, 1, 2))).toBe(-1);
  });

  it('clear() forgets every chain; new ones are found again', () => {
    const c = new ChainCache();
    for (let i = 0; i < 100; i++) {
      c.begin();
      c.add(i, 0, 1);
      c.commit(5, i); // keys alike in their low 32 bits
    }
    expect(c.get(5, 7)).toBeGreaterThanOrEqual(0);
    expect(record(c, c.get(5, 7))).toEqual([[7, 0, 1]]);
    c.clear();
    for (let i = 0; i < 100; i++) expect(c.get(5, i)).toBe(-1);
    c.begin();
    c.add(42, 1, 0);
    c.commit(5, 3);
    expect(record(c, c.get(5, 3))).toEqual([[42, 1, 0]]);
    expect(c.distinct).toBe(101);
  });
});
