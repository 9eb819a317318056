/**
 * Execution contexts (kernel-semantics §3.2, traps 1-4): task stacks per pid
 * (they migrate), idle per CPU, interrupt frames per CPU and never chained to
 * the interrupted task's locks; NMI ignored.
 */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, on, replay, findingsOf, deadlocks, classSet, warningCount } from '../helpers/miniTrace.ts';

const other = task('lr2_other', 200, 1);

describe('migration: a task\'s held mutex follows it to another CPU', () => {
  it('M held on CPU 0, N taken on CPU 1 by the same pid: M->N recorded', async () => {
    const p0 = task('lr1_mig', 100, 0), p1 = on(p0, { cpu: 1 });
    const t = new MiniTrace()
      .acq(p0, 'M').acq(p1, 'N').rel(p1, 'N').rel(p1, 'M')
      .acq(other, 'N').acq(other, 'M').rel(other, 'M').rel(other, 'N');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['M', 'N']]);
    expect(r.stats.unheldReleases).toBe(0);
  });

  it('negative: another pid on CPU 0 does not inherit M', async () => {
    const p0 = task('lr1_mig', 100, 0), q0 = task('lr3_mig', 101, 0);
    const t = new MiniTrace()
      .acq(p0, 'M').acq(q0, 'N').rel(q0, 'N').rel(p0, 'M')
      .acq(other, 'N').acq(other, 'M').rel(other, 'M').rel(other, 'N');
    const r = await replay(t);
    expect(r.findings).toEqual([]);
    expect(r.stats.dependencies).toBe(1);
  });
});

describe('pid 0 is one idle task per CPU', () => {
  it('<idle>-0 on CPU 0 holding A and <idle>-0 on CPU 1 taking B: no A->B', async () => {
    const i0 = task('<idle>', 0, 0, 'd..1.'), i1 = task('<idle>', 0, 1, 'd..1.');
    const t = new MiniTrace()
      .acq(i0, 'A').acq(i1, 'B').rel(i1, 'B').rel(i0, 'A')
      .acq(on(other, { flags: 'd..1.' }), 'B').acq(on(other, { flags: 'd..1.' }), 'A')
      .rel(on(other, { flags: 'd..1.' }), 'A').rel(on(other, { flags: 'd..1.' }), 'B');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(1); // B->A only
    expect(findingsOf(r, 'circular-dependency')).toEqual([]);
    expect(r.stats.unheldReleases).toBe(0);
  });

  it('negative: both on CPU 0 is the same idle task: A->B recorded', async () => {
    const i0 = task('<idle>', 0, 0, 'd..1.');
    const o = on(other, { flags: 'd..1.' });
    const t = new MiniTrace()
      .acq(i0, 'A').acq(i0, 'B').rel(i0, 'B').rel(i0, 'A')
      .acq(o, 'B').acq(o, 'A').rel(o, 'A').rel(o, 'B');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
  });
});

describe('interrupt contexts are separate from the interrupted task', () => {
  const x = task('lr1_irq', 100, 0);
  for (const [label, flags] of [['hardirq (d.h1.)', 'd.h1.'], ['softirq (..s1.)', '..s1.'], ['hardirq over softirq (d.H1.)', 'd.H1.']] as const) {
    it(`${label}: a lock taken in the interrupt forms no X->irq-lock dependency`, async () => {
      const irq = on(x, { flags });
      const t = new MiniTrace().acq(x, 'X').acq(irq, 'I').rel(irq, 'I').rel(x, 'X');
      const r = await replay(t);
      expect(r.stats.dependencies).toBe(0);
      expect(r.stats.unheldReleases).toBe(0);
      expect(warningCount(r, 'held-at-context-exit')).toBe(0);
    });
  }

  it('negative: the same lock taken in task context with irqs off does form X->I', async () => {
    const t = new MiniTrace().acq(x, 'X').acq(on(x, { flags: 'd..1.' }), 'I').rel(on(x, { flags: 'd..1.' }), 'I').rel(x, 'X');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(1);
  });

  it('the irq frame is per CPU, not per pid: a hardirq on another pid of the same CPU continues the frame', async () => {
    // irq entered while pid 100 ran, the frame's lock released in a later irq event shown under pid 0 on the same CPU
    const t = new MiniTrace()
      .acq(on(x, { flags: 'd.h1.' }), 'I').acq(task('<idle>', 0, 0, 'd.h2.'), 'J')
      .rel(task('<idle>', 0, 0, 'd.h2.'), 'J').rel(task('<idle>', 0, 0, 'd.h1.'), 'I');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(1); // I->J within the hardirq frame
    expect(r.stats.unheldReleases).toBe(0);
  });

  it('an irq frame left non-empty when the CPU returns to task context is dropped with a warning', async () => {
    const irq = on(x, { flags: 'd.h1.' });
    const t = new MiniTrace().acq(irq, 'I').acq(x, 'X').rel(x, 'X').rel(irq, 'I');
    const r = await replay(t);
    expect(warningCount(r, 'held-at-context-exit')).toBe(1);
    expect(r.stats.heldAtEnd).toBe(0);
    // the late release of I (now in a fresh irq frame) finds nothing held
    expect(r.stats.unheldReleases).toBe(1);
    expect(r.stats.dependencies).toBe(0);
  });

  it('an softirq frame left non-empty is dropped too; negative: an emptied frame gives no warning', async () => {
    const s = on(x, { flags: '..s1.' });
    const left = await replay(new MiniTrace().acq(s, 'S').acq(x, 'X').rel(x, 'X'));
    expect(warningCount(left, 'held-at-context-exit')).toBe(1);
    expect(left.stats.heldAtEnd).toBe(0);
    const clean = await replay(new MiniTrace().acq(s, 'S').rel(s, 'S').acq(x, 'X').rel(x, 'X'));
    expect(warningCount(clean, 'held-at-context-exit')).toBe(0);
  });
});

describe('NMI (Z flag) events are ignored', () => {
  const x = task('lr1_nmi', 100, 0);
  it('a lock taken in NMI while the task holds X: no dependency, counted as nmi events', async () => {
    const nmi = on(x, { flags: 'd.Z1.' });
    const t = new MiniTrace().acq(x, 'X').acq(nmi, 'N').rel(nmi, 'N').rel(x, 'X');
    const r = await replay(t);
    expect(r.stats.nmiEvents).toBe(2);
    expect(r.stats.dependencies).toBe(0);
    expect(r.stats.unheldReleases).toBe(0);
    expect(r.findings).toEqual([]);
  });

  it('NMI re-taking the instance the task holds is not recursion', async () => {
    const nmi = on(x, { flags: 'd.Z1.' });
    const r = await replay(new MiniTrace().acq(x, 'X').acq(nmi, 'X').rel(nmi, 'X').rel(x, 'X'));
    expect(r.findings).toEqual([]);
    expect(r.stats.heldAtEnd).toBe(0);
  });

  it('negative: the same events in task context are replayed', async () => {
    const t = new MiniTrace().acq(x, 'X').acq(x, 'N').rel(x, 'N').rel(x, 'X');
    const r = await replay(t);
    expect(r.stats.nmiEvents).toBe(0);
    expect(r.stats.dependencies).toBe(1);
  });
});

describe('interrupt frames: more cases', () => {
  const x = task('lr1_irq2', 100, 0);
  it('a hardirq over a softirq (H) keeps the softirq frame; the irq lock is not chained to the softirq lock', async () => {
    const s = on(x, { flags: '..s1.' }), hs = on(x, { flags: 'd.H1.' });
    const t = new MiniTrace().acq(s, 'S').acq(hs, 'I').rel(hs, 'I').acq(s, 'T').rel(s, 'T').rel(s, 'S').acq(x, 'X').rel(x, 'X');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(1); // S->T only
    expect(warningCount(r, 'held-at-context-exit')).toBe(0);
    expect(r.stats.unheldReleases).toBe(0);
  });

  it('a release in hardirq of a lock held by the interrupted task does not release it (find_held_lock stays in its context)', async () => {
    const irq = on(x, { flags: 'd.h1.' });
    const t = new MiniTrace().acq(x, 'X').rel(irq, 'X').acq(x, 'Y');
    const r = await replay(t);
    expect(r.stats.unheldReleases).toBe(1);
    expect(r.stats.dependencies).toBe(1); // X still held: X->Y
    expect(r.stats.heldAtEnd).toBe(2);
  });
});
