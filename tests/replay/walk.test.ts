/**
 * check_prevs_add() walk rules (kernel-semantics §3.4, §3.5, trap 7, trap 9):
 * trylocks and check=0 maps.
 */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, replay, findingsOf, deadlocks, classSet } from '../helpers/miniTrace.ts';

const t1 = task('lr1_walk', 100, 0);
const t2 = task('lr2_walk', 101, 1);

describe('trylock: a held trylock does not stop the walk', () => {
  it('A, try B, C records A->C directly (C then A closes a 2-class cycle)', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B', { mode: 'try' }).acq(t1, 'C')
      .rel(t1, 'C').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'C').acq(t2, 'A').rel(t2, 'A').rel(t2, 'C');
    const r = await replay(t);
    // A->C, B->C (held trylock is a prev), C->A; nothing into B.
    expect(r.stats.dependencies).toBe(3);
    const circ = findingsOf(r, 'circular-dependency');
    expect(circ.map(classSet)).toContainEqual(['A', 'C']);
    expect(deadlocks(r).map(classSet)).toContainEqual(['A', 'C']);
  });

  it('negative: A, B (not try), C records A->B->C only: the cycle goes through B', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').acq(t1, 'C')
      .rel(t1, 'C').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'C').acq(t2, 'A').rel(t2, 'A').rel(t2, 'C');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(3); // A->B, B->C, C->A
    const circ = findingsOf(r, 'circular-dependency');
    expect(circ.map(classSet)).not.toContainEqual(['A', 'C']);
    expect(deadlocks(r).map(classSet)).toContainEqual(['A', 'B', 'C']);
  });

  it('held trylock forms an outgoing edge: try B, C then C, B is a deadlock', async () => {
    const t = new MiniTrace()
      .acq(t1, 'B', { mode: 'try' }).acq(t1, 'C').rel(t1, 'C').rel(t1, 'B')
      .acq(t2, 'C').acq(t2, 'B').rel(t2, 'B').rel(t2, 'C');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['B', 'C']]);
  });
});

describe('trylock: no dependency INTO a trylock', () => {
  it('A then try B, and B then A elsewhere: no cycle', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B', { mode: 'try' }).rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(1); // B->A only
    expect(findingsOf(r, 'circular-dependency')).toEqual([]);
  });

  it('negative: the same with a blocking B is a deadlock', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
  });

  it('a trylock of a lock the task already holds is never a recursion report', async () => {
    const t = new MiniTrace().acq(t1, 'A').acq(t1, 'A', { mode: 'try' }).rel(t1, 'A').rel(t1, 'A');
    const r = await replay(t);
    expect(findingsOf(r, 'recursive-locking').filter((f) => f.verdict === 'deadlock')).toEqual([]);
  });

  it('a failed trylock emits no event: only the successful acquisitions count', async () => {
    // A held; the trylock of B failed (no line); later B, A elsewhere.
    const t = new MiniTrace()
      .acq(t1, 'A').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(r.stats.acquires).toBe(3);
    expect(r.stats.dependencies).toBe(1);
    expect(r.findings).toEqual([]);
  });
});

describe('check=0 maps (rcu_read_lock): pushed, not validated, do not stop the walk', () => {
  it('A, read rcu_read_lock, B records A->B and nothing from/to rcu_read_lock', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'rcu_read_lock', { mode: 'read' }).acq(t1, 'B')
      .rel(t1, 'B').rel(t1, 'rcu_read_lock').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(2); // A->B, B->A
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
    for (const f of r.findings) expect(f.classes).not.toContain('rcu_read_lock');
    // but it is on the held stack (evidence shows it)
    const ab = deadlocks(r)[0].dependencies.find((d) => d.from === 'A' && d.to === 'B');
    expect(ab?.first.held).toEqual(['A', 'rcu_read_lock']);
  });

  it('negative: an ordinary lock in the same place stops the walk (A->M->B)', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'M', { mode: 'read' }).acq(t1, 'B')
      .rel(t1, 'B').rel(t1, 'M').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(3); // A->M, M->B, B->A
    expect(r.findings.map(classSet)).not.toContainEqual(['A', 'B']);
  });

  it('rcu_read_lock taken twice (nested readers) is not recursion; &dev->mutex nesting is not either', async () => {
    const t = new MiniTrace()
      .acq(t1, 'rcu_read_lock', { mode: 'read' }).acq(t1, 'rcu_read_lock', { mode: 'read' })
      .rel(t1, 'rcu_read_lock').rel(t1, 'rcu_read_lock')
      .acq(t1, '&dev->mutex', { addr: 'ffff888000100000' }).acq(t1, '&dev->mutex', { addr: 'ffff888000200000' })
      .rel(t1, '&dev->mutex', { addr: 'ffff888000200000' }).rel(t1, '&dev->mutex', { addr: 'ffff888000100000' });
    const r = await replay(t);
    expect(deadlocks(r)).toEqual([]);
  });
});
