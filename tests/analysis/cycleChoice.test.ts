/**
 * Which cycle a closing dependency reports (src/analysis/cycleChoice.ts): one
 * per closing dependency, the shortest, unless a longer one through it has a
 * better-founded verdict (deadlock over unverified over benign). And the
 * implicit subclass chosen from a stale held entry is as uncertain as it.
 */
import { describe, expect, it } from 'vitest';
import { MiniTrace, task, replay, findingsOf, classSet } from '../helpers/miniTrace.ts';

const t1 = task('kthread_a', 101, 0);
const t2 = task('kthread_b', 102, 1);
const t3 = task('kthread_c', 103, 1);

/** outer held around inner, then both released. */
const nest = (t: MiniTrace, c: typeof t1, ...names: string[]) => {
  for (const n of names) t.acq(c, n);
  for (const n of [...names].reverse()) t.rel(c, n);
  return t;
};

describe('one cycle per closing dependency', () => {
  it('reports the shortest cycle the closing dependency made, once', async () => {
    const t = new MiniTrace();
    nest(t, t1, 'lock_a', 'lock_c');
    nest(t, t1, 'lock_a', 'lock_b', 'lock_c');
    // lock_c -> lock_a closes both a -> c -> a and a -> b -> c -> a
    nest(t, t2, 'lock_c', 'lock_a');
    const cycles = findingsOf(await replay(t), 'circular-dependency');
    expect(cycles.map(classSet)).toEqual([['lock_a', 'lock_c']]);
    expect(cycles[0].verdict).toBe('deadlock');
  });

  it('prefers a longer deadlock over a shorter cycle that rests on a dependency of uncertain state', async () => {
    const t = new MiniTrace();
    // lock_a -> lock_c recorded only while lock_a's held state was unknown (its release may be lost,
    // and none is seen later to prove it held)
    t.acq(t1, 'lock_a');
    t.raw('CPU:0 [LOST 12 EVENTS]');
    t.acq(t1, 'lock_c').rel(t1, 'lock_c');
    nest(t, t2, 'lock_a', 'lock_b', 'lock_c');
    nest(t, t3, 'lock_c', 'lock_a');
    const cycles = findingsOf(await replay(t), 'circular-dependency');
    expect(cycles.map(classSet)).toEqual([['lock_a', 'lock_b', 'lock_c']]);
    expect(cycles[0].verdict).toBe('deadlock');
  });

  it('prefers a longer unverified cycle over a shorter benign one', async () => {
    const t = new MiniTrace();
    // a -> b recorded with uncertain state, b -> c certain
    t.acq(t1, 'lock_a');
    t.raw('CPU:0 [LOST 12 EVENTS]');
    t.acq(t1, 'lock_b').acq(t1, 'lock_c').rel(t1, 'lock_c').rel(t1, 'lock_b');
    // a -> c and the closing c -> a, both under one instance of a gate lock: a -> c -> a is benign
    nest(t, t2, 'gate', 'lock_a', 'lock_c');
    nest(t, t3, 'gate', 'lock_c', 'lock_a');
    const cycles = findingsOf(await replay(t), 'circular-dependency');
    expect(cycles.map(classSet)).toEqual([['lock_a', 'lock_b', 'lock_c']]);
    expect(cycles[0].verdict).toBe('unverified');
  });

  it('falls back to the shortest benign cycle when no cycle through the dependency is more', async () => {
    const t = new MiniTrace();
    nest(t, t2, 'gate', 'lock_a', 'lock_c');
    nest(t, t2, 'gate', 'lock_a', 'lock_b', 'lock_c');
    nest(t, t3, 'gate', 'lock_c', 'lock_a');
    const cycles = findingsOf(await replay(t), 'circular-dependency');
    expect(cycles.map(classSet)).toEqual([['lock_a', 'lock_c']]);
    expect(cycles[0].verdict).toBe('benign');
    expect(cycles[0].reason).toMatch(/gate lock.*gate/);
  });
});

describe('implicit subclass from a stale held entry', () => {
  // The trace names a lock, not its subclass: nesting a second instance of a name under the first makes
  // it `name/1`. When the outer entry is stale (its release was lost), so is that choice.
  function staleNesting(withLoss: boolean): MiniTrace {
    const t = new MiniTrace();
    // t2, certain: d_lock (one instance) around other around d_lock (another) -> other -> d_lock/1
    t.acq(t2, 'd_lock', { addr: 'ffff888000001000' }).acq(t2, 'other')
      .acq(t2, 'd_lock', { addr: 'ffff888000002000' }).rel(t2, 'd_lock', { addr: 'ffff888000002000' })
      .rel(t2, 'other').rel(t2, 'd_lock', { addr: 'ffff888000001000' });
    // t1 held one d_lock instance when events were lost; its release may be among them
    t.acq(t1, 'd_lock', { addr: 'ffff888000003000' });
    if (withLoss) t.raw('CPU:0 [LOST 12 EVENTS]');
    // then another instance, under the (maybe stale) first: d_lock/1 -> other
    t.acq(t1, 'd_lock', { addr: 'ffff888000004000' }).acq(t1, 'other').rel(t1, 'other')
      .rel(t1, 'd_lock', { addr: 'ffff888000004000' });
    return t;
  }

  it('makes the dependencies of the nested acquisition uncertain: unverified, not deadlock', async () => {
    const [f] = findingsOf(await replay(staleNesting(true)), 'circular-dependency');
    expect(classSet(f)).toEqual(['d_lock/1', 'other']);
    expect(f.verdict).toBe('unverified');
    expect(f.reason).toMatch(/d_lock\/1 -> other/);
  });

  it('without the loss the same nesting is a deadlock', async () => {
    const [f] = findingsOf(await replay(staleNesting(false)), 'circular-dependency');
    expect(classSet(f)).toEqual(['d_lock/1', 'other']);
    expect(f.verdict).toBe('deadlock');
  });
});
