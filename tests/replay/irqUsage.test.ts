/** irq usage checks (kernel-semantics §4): inconsistent state and safe -> unsafe order, from the flags column. */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, on, replay, findingsOf, deadlocks, classSet } from '../helpers/miniTrace.ts';

const t1 = task('lr1_use', 100, 0), t2 = task('lr2_use', 101, 1);
const hard = on(t1, { flags: 'd.h1.' });
const off = on(t2, { flags: 'd..1.' });

describe('irq usage', () => {
  it('a lock taken in hardirq and elsewhere with irqs enabled: inconsistent-irq-state', async () => {
    const r = await replay(new MiniTrace().touch(hard, 'S').touch(t2, 'S'));
    expect(deadlocks(r).map((f) => [f.kind, ...classSet(f)])).toEqual([['inconsistent-irq-state', 'S']]);
  });

  it('negative: the other use with irqs off is consistent', async () => {
    const r = await replay(new MiniTrace().touch(hard, 'S').touch(off, 'S'));
    expect(r.findings).toEqual([]);
  });

  it('a trylock in hardirq sets no USED_IN bit: no inconsistency', async () => {
    const r = await replay(new MiniTrace().touch(hard, 'S', { mode: 'try' }).touch(t2, 'S'));
    expect(deadlocks(r)).toEqual([]);
  });

  it('hardirq-safe X taken before hardirq-unsafe Y: irq-safe-unsafe', async () => {
    const r = await replay(new MiniTrace()
      .touch(hard, 'X')
      .touch(t2, 'Y')
      .acq(off, 'X').acq(off, 'Y').rel(off, 'Y').rel(off, 'X'));
    const f = findingsOf(r, 'irq-safe-unsafe');
    expect(f.map(classSet)).toEqual([['X', 'Y']]);
    expect(f[0].verdict).toBe('deadlock');
  });

  it('negative: Y never taken with irqs enabled: no finding', async () => {
    const r = await replay(new MiniTrace()
      .touch(hard, 'X')
      .touch(off, 'Y')
      .acq(off, 'X').acq(off, 'Y').rel(off, 'Y').rel(off, 'X'));
    expect(r.findings).toEqual([]);
  });

  it('NMI use is not hardirq use: no inconsistency', async () => {
    const r = await replay(new MiniTrace().touch(on(t1, { flags: 'd.Z1.' }), 'S').touch(t2, 'S'));
    expect(r.findings).toEqual([]);
  });
});

describe('check=0 same instance', () => {
  it('&dev->mutex (novalidate) re-taken on the same instance is not reported', async () => {
    const r = await replay(new MiniTrace().acq(t1, '&dev->mutex').acq(t1, '&dev->mutex').rel(t1, '&dev->mutex').rel(t1, '&dev->mutex'));
    expect(deadlocks(r)).toEqual([]);
  });
});

describe('lost events follow a task that migrates', () => {
  it('A held on CPU 1, CPU 1 loses events, the task continues on CPU 0: A->B uncertain', async () => {
    const c1 = task('lr1_mig', 100, 1), c0 = on(c1, { cpu: 0 });
    const r = await replay(new MiniTrace()
      .acq(c1, 'A').raw('CPU:1 [LOST 3 EVENTS]').acq(c0, 'B').rel(c0, 'B')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B'));
    expect(findingsOf(r, 'circular-dependency').map((f) => f.verdict)).toEqual(['unverified']);
  });
});
