/**
 * HeldStack keeps every entry's chain key equal to what pushing the same
 * entries onto an empty stack gives, whatever changed them: removal, dropping
 * the bottom, and markAllUncertain() on a stack already partly uncertain
 * (which re-keys only from the lowest entry it changed).
 */
import { describe, expect, it } from 'vitest';
import { HeldFlags, HeldStack } from '../../src/replay/heldStack.ts';

type Entry = [cls: number, inst: number, flags: number];

function stackOf(entries: Entry[]): HeldStack {
  const st = new HeldStack(2);
  for (const [cls, inst, flags] of entries) st.push(cls, inst, cls, flags, 0, 0, 0);
  return st;
}

function keys(st: HeldStack): [number, number][] {
  return Array.from({ length: st.depth }, (_, d) => [st.chainLo[d], st.chainHi[d]]);
}

function entries(st: HeldStack): Entry[] {
  return Array.from({ length: st.depth }, (_, d) => [st.cls[d], st.inst[d], st.flags[d]]);
}

const U = HeldFlags.Uncertain;

describe('HeldStack chain keys', () => {
  it('markAllUncertain() on a partly uncertain stack keys it as a fresh push of the result', () => {
    const st = stackOf([[1, 10, U], [2, 20, 0], [3, 30, U], [4, 40, HeldFlags.Read]]);
    const before = keys(st);
    st.markAllUncertain();
    expect(entries(st).map((e) => e[2] & U)).toEqual([U, U, U, U]);
    expect(keys(st)[0]).toEqual(before[0]);
    expect(keys(st)[1]).not.toEqual(before[1]);
    expect(keys(st)).toEqual(keys(stackOf(entries(st))));
    const again = keys(st);
    st.markAllUncertain();
    expect(keys(st)).toEqual(again);
  });

  it('remove() and dropBelow() re-key what is above the change', () => {
    const st = stackOf([[1, 10, 0], [2, 20, U], [3, 30, 0], [4, 40, 0], [5, 50, HeldFlags.Try]]);
    st.remove(1);
    expect(keys(st)).toEqual(keys(stackOf([[1, 10, 0], [3, 30, 0], [4, 40, 0], [5, 50, HeldFlags.Try]])));
    st.dropBelow(2);
    expect(keys(st)).toEqual(keys(stackOf([[4, 40, 0], [5, 50, HeldFlags.Try]])));
  });

  it('EnablePending is not part of the key', () => {
    expect(keys(stackOf([[1, 10, HeldFlags.EnablePending], [2, 20, 0]]))).toEqual(keys(stackOf([[1, 10, 0], [2, 20, 0]])));
  });
});
