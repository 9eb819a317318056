/** __lock_release() (kernel-semantics §3.9, trap 5): LIFO, non-LIFO re-chaining, unheld releases. */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, replay, findingsOf, deadlocks, classSet, warningCount } from '../helpers/miniTrace.ts';

const t1 = task('lr1_rel', 100, 0);
const t2 = task('lr2_rel', 101, 1);

describe('release order', () => {
  it('non-LIFO: A B C, release B re-chains C against A (A->C recorded)', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').acq(t1, 'C').rel(t1, 'B').rel(t1, 'C').rel(t1, 'A')
      .acq(t2, 'C').acq(t2, 'A').rel(t2, 'A').rel(t2, 'C');
    const r = await replay(t);
    expect(warningCount(r, 'out-of-order-release')).toBe(1);
    expect(r.stats.dependencies).toBe(4); // A->B, B->C, A->C (re-chained), C->A
    expect(findingsOf(r, 'circular-dependency').map(classSet)).toContainEqual(['A', 'C']);
    expect(r.stats.heldAtEnd).toBe(0);
    expect(r.stats.unheldReleases).toBe(0);
  });

  it('non-LIFO: after the re-chain, C is directly above A on the held stack', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').acq(t1, 'C').rel(t1, 'B').acq(t1, 'D').rel(t1, 'D').rel(t1, 'C').rel(t1, 'A')
      .acq(t2, 'D').acq(t2, 'A').rel(t2, 'A').rel(t2, 'D');
    const r = await replay(t);
    const cd = deadlocks(r).flatMap((f) => f.dependencies).find((d) => d.from === 'C' && d.to === 'D');
    expect(cd?.first.held).toEqual(['A', 'C']);
  });

  it('negative: LIFO release records no A->C', async () => {
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').acq(t1, 'C').rel(t1, 'C').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'C').acq(t2, 'A').rel(t2, 'A').rel(t2, 'C');
    const r = await replay(t);
    expect(warningCount(r, 'out-of-order-release')).toBe(0);
    expect(r.stats.dependencies).toBe(3);
    expect(findingsOf(r, 'circular-dependency').map(classSet)).not.toContainEqual(['A', 'C']);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B', 'C']]);
  });

  it('non-LIFO release of a trylock below a lock does not add an edge into the trylock', async () => {
    // A, try T, C; release A: T and C are re-validated, but T (try) gets no incoming edge.
    const t = new MiniTrace()
      .acq(t1, 'A').acq(t1, 'T', { mode: 'try' }).acq(t1, 'C').rel(t1, 'A').rel(t1, 'C').rel(t1, 'T');
    const r = await replay(t);
    // A->C, T->C (original); after releasing A: C re-chained against T (exists). No X->T.
    expect(r.stats.dependencies).toBe(2);
  });
});

describe('unheld release', () => {
  it('a release of a lock never acquired in the capture is counted, not an error', async () => {
    const t = new MiniTrace().rel(t1, 'OLD').acq(t1, 'A').rel(t1, 'A');
    const r = await replay(t);
    expect(r.stats.unheldReleases).toBe(1);
    expect(warningCount(r, 'unheld-release')).toBe(1);
    expect(r.findings).toEqual([]);
    expect(r.stats.heldAtEnd).toBe(0);
  });

  it('a release by another task is unheld for it and leaves the holder\'s stack alone', async () => {
    const t = new MiniTrace().acq(t1, 'A').rel(t2, 'A');
    const r = await replay(t);
    expect(r.stats.unheldReleases).toBe(1);
    expect(r.stats.heldAtEnd).toBe(1);
  });

  it('negative: balanced acquire/release counts nothing', async () => {
    const r = await replay(new MiniTrace().acq(t1, 'A').rel(t1, 'A'));
    expect(r.stats.unheldReleases).toBe(0);
    expect(r.warnings).toEqual([]);
  });
});
