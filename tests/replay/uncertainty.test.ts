/**
 * Incomplete state (kernel-semantics §2.4, trap 5, trap 6): lost events,
 * the buffer-started window, workqueue leftovers, timestamps going backwards.
 */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, on, replay, findingsOf, deadlocks, classSet, warningCount } from '../helpers/miniTrace.ts';

const t1 = task('lr1_lost', 100, 1);
const t2 = task('lr2_lost', 101, 0);

/** t1: A, (mid), A -> B; t2: B -> A. A's release by t1 is not seen (a later one would prove A held). */
const abba = (mid: (t: MiniTrace) => void) => {
  const t = new MiniTrace().acq(t1, 'A');
  mid(t);
  return t.acq(t1, 'B').rel(t1, 'B')
    .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
};

describe('lost events', () => {
  it('CPU:1 [LOST 12 EVENTS] while A is held: A->B is uncertain, the cycle is unverified', async () => {
    const r = await replay(abba((t) => t.raw('CPU:1 [LOST 12 EVENTS]')));
    expect(r.stats.lostEvents).toBe(12);
    expect(r.stats.lostMarkers).toBe(1);
    expect(warningCount(r, 'lost-events')).toBe(1);
    const circ = findingsOf(r, 'circular-dependency');
    expect(circ.map(classSet)).toEqual([['A', 'B']]);
    expect(circ[0].verdict).toBe('unverified');
    expect(deadlocks(r)).toEqual([]);
    const ab = circ[0].dependencies.find((d) => d.from === 'A');
    expect(ab?.uncertainOnly).toBe(true);
  });

  it('CPU:1 [LOST EVENTS] without a count is handled the same way', async () => {
    const r = await replay(abba((t) => t.raw('CPU:1 [LOST EVENTS]')));
    expect(r.stats.lostMarkers).toBe(1);
    expect(findingsOf(r, 'circular-dependency')[0]?.verdict).toBe('unverified');
  });

  it('lost events on another CPU also make held locks uncertain (the task may have run there unseen)', async () => {
    const r = await replay(abba((t) => t.raw('CPU:3 [LOST 12 EVENTS]')));
    expect(deadlocks(r)).toEqual([]);
    expect(findingsOf(r, 'circular-dependency')[0]?.verdict).toBe('unverified');
  });

  it('negative: no lost events: deadlock', async () => {
    const r = await replay(abba(() => {}));
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
  });

  it('lost events while nothing is held do not taint later dependencies', async () => {
    const t = new MiniTrace().raw('CPU:1 [LOST 12 EVENTS]')
      .acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
  });
});

describe('buffer started: everything before it is uncertain', () => {
  it('a dependency recorded before "##### CPU 1 buffer started ####" makes the cycle unverified', async () => {
    const t = new MiniTrace()
      .acq(t2, 'A').acq(t2, 'B').rel(t2, 'B').rel(t2, 'A')
      .raw('##### CPU 1 buffer started ####')
      .acq(t1, 'B').acq(t1, 'A').rel(t1, 'A').rel(t1, 'B');
    const r = await replay(t);
    expect(r.stats.bufferStarts).toBe(1);
    const circ = findingsOf(r, 'circular-dependency');
    expect(circ.map(classSet)).toEqual([['A', 'B']]);
    expect(circ[0].verdict).toBe('unverified');
  });

  it('a lock held across the marker makes the later dependency from it uncertain', async () => {
    const t = new MiniTrace()
      .acq(t2, 'A')
      .raw('##### CPU 1 buffer started ####')
      .acq(t2, 'B').rel(t2, 'B')
      .acq(t1, 'B').acq(t1, 'A').rel(t1, 'A').rel(t1, 'B');
    const r = await replay(t);
    expect(findingsOf(r, 'circular-dependency')[0]?.verdict).toBe('unverified');
  });

  it('negative: everything after the marker (acquired and released there) is certain: deadlock', async () => {
    const t = new MiniTrace()
      .acq(t2, 'X').rel(t2, 'X')
      .raw('##### CPU 1 buffer started ####')
      .acq(t2, 'A').acq(t2, 'B').rel(t2, 'B').rel(t2, 'A')
      .acq(t1, 'B').acq(t1, 'A').rel(t1, 'A').rel(t1, 'B');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
  });
});

describe('buffer started: a dependency seen again after the marker is certain', () => {
  it('A->B before and after the marker, then B->A: deadlock', async () => {
    const t = new MiniTrace()
      .acq(t2, 'A').acq(t2, 'B').rel(t2, 'B').rel(t2, 'A')
      .raw('##### CPU 1 buffer started ####')
      .acq(t2, 'A').acq(t2, 'B').rel(t2, 'B').rel(t2, 'A')
      .acq(t1, 'B').acq(t1, 'A').rel(t1, 'A').rel(t1, 'B');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
    const ab = deadlocks(r)[0].dependencies.find((d) => d.from === 'A');
    expect(ab?.uncertainOnly).toBeFalsy();
  });
});

describe('workqueue execute_start drops leftovers', () => {
  const kw = task('kworker/0:1', 19, 0, '...1.');
  const work = (t: MiniTrace) => t
    .acq(kw, '(wq_completion)lr_wq', { addr: 'ffff888000254748' })
    .acq(kw, '(work_completion)(&lr_work)', { addr: 'ffffc900000afe88' })
    .event(kw, 'workqueue_execute_start', 'work struct ffff88807abe62a0: function lr_work_fn')
    .acq(kw, 'W').rel(kw, 'W')
    .event(kw, 'workqueue_execute_end', 'work struct ffff88807abe62a0: function lr_work_fn')
    .rel(kw, '(work_completion)(&lr_work)', { addr: 'ffffc900000afe88' })
    .rel(kw, '(wq_completion)lr_wq', { addr: 'ffff888000254748' })
    .acq(kw, 'Y').rel(kw, 'Y');

  it('a lock left held by the worker before a work item starts is dropped with a warning', async () => {
    const t = new MiniTrace().acq(kw, 'LEFT');
    work(t);
    const r = await replay(t);
    expect(warningCount(r, 'held-at-context-exit')).toBe(1);
    expect(r.stats.heldAtEnd).toBe(0);
    expect(r.stats.workItemsExecuted).toBe(1);
    // LEFT->(wq_completion) is recorded before the start event shows it was a leftover; nothing after it
    // chains on LEFT: no LEFT->Y.
    const t2b = new MiniTrace().acq(kw, 'LEFT');
    work(t2b);
    t2b.acq(t2, 'Y').acq(t2, 'LEFT').rel(t2, 'LEFT').rel(t2, 'Y');
    const r2 = await replay(t2b);
    expect(findingsOf(r2, 'circular-dependency').filter((f) => f.classes.includes('Y'))).toEqual([]);
  });

  it('negative: a clean worker gives no warning and keeps the execute chain wq -> work -> W', async () => {
    const t = new MiniTrace();
    work(t);
    const r = await replay(t);
    expect(warningCount(r, 'held-at-context-exit')).toBe(0);
    expect(r.stats.dependencies).toBe(2);
  });
});

describe('timestamps', () => {
  it('a timestamp going backwards on one CPU is warned', async () => {
    const t = new MiniTrace().setTime(20).acq(t1, 'A').setTime(19).rel(t1, 'A');
    const r = await replay(t);
    expect(warningCount(r, 'out-of-order-timestamp')).toBe(1);
    expect(r.stats.heldAtEnd).toBe(0);
  });

  it('negative: going backwards across CPUs (per-CPU clocks) is not', async () => {
    const t = new MiniTrace().setTime(20).acq(t1, 'A').rel(t1, 'A').setTime(19).acq(t2, 'B').rel(t2, 'B');
    const r = await replay(t);
    expect(warningCount(r, 'out-of-order-timestamp')).toBe(0);
  });

  it('a task migrating to a CPU whose clock is behind keeps its held lock', async () => {
    const t = new MiniTrace().setTime(20).acq(t1, 'A').setTime(19).acq(on(t1, { cpu: 0 }), 'B')
      .rel(on(t1, { cpu: 0 }), 'B').rel(on(t1, { cpu: 0 }), 'A');
    const r = await replay(t);
    expect(r.stats.dependencies).toBe(1);
    expect(r.stats.unheldReleases).toBe(0);
  });
});

describe('proof by later release (replay/pendingProofs, trap 5)', () => {
  const loss = (t: MiniTrace) => t.raw('CPU:1 [LOST 12 EVENTS]');

  it('A held across a loss, A -> B, then A released with no loss in between: A -> B is proven, the cycle is a deadlock', async () => {
    const t = new MiniTrace().acq(t1, 'A');
    loss(t).acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
    const ab = deadlocks(r)[0].dependencies.find((d) => d.from === 'A')!;
    expect(ab.uncertainOnly).toBeFalsy();
    expect(ab.first.uncertain).toBe(true);
    expect(ab.first.proven).toMatch(/^A \(acquired at line \d+\) was released by this context at line \d+ with no events lost in between/);
  });

  it('negative: a second loss between A -> B and the release proves nothing; the finding names the unproven entry', async () => {
    const t = new MiniTrace().acq(t1, 'A');
    loss(t).acq(t1, 'B').rel(t1, 'B');
    loss(t).rel(t1, 'A').acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('unverified');
    const ab = f.dependencies.find((d) => d.from === 'A')!;
    expect(ab.uncertainOnly).toBe(true);
    expect(ab.first.unproven).toMatch(/^A \(acquired at line \d+\) was held across lost events/);
  });

  it('buffer-started window: A held across the marker and released after it proves A -> B recorded after it', async () => {
    const t = new MiniTrace().acq(t2, 'A').raw('##### CPU 1 buffer started ####')
      .acq(t2, 'B').rel(t2, 'B').rel(t2, 'A')
      .acq(t1, 'B').acq(t1, 'A').rel(t1, 'A').rel(t1, 'B');
    expect(deadlocks(await replay(t)).map(classSet)).toEqual([['A', 'B']]);
  });

  it('mutual exclusion: another context completes A while t1 still shows it held: t1\'s A was stale, A -> B is refuted (benign)', async () => {
    const t = new MiniTrace().acq(t1, 'A').acquired(t1, 'A');
    loss(t).acq(t1, 'B').rel(t1, 'B')
      .acq(t2, 'A').acquired(t2, 'A').rel(t2, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(warningCount(r, 'stale-held-dropped')).toBe(1);
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/^refuted: A -> B was recorded only from held entries later shown released unseen/);
    expect(r.stats.heldAtEnd).toBe(0);
  });

  it('a writer excludes readers: another context completes R for write while t1 still shows it read-held: t1\'s R was stale, R -> B is refuted', async () => {
    const t = new MiniTrace().acq(t1, 'R', { mode: 'read' }).acquired(t1, 'R');
    loss(t).acq(t1, 'B').rel(t1, 'B')
      .acq(t2, 'B').acq(t2, 'R').acquired(t2, 'R').rel(t2, 'R').rel(t2, 'B');
    const r = await replay(t);
    expect(warningCount(r, 'stale-held-dropped')).toBe(1);
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/^refuted: R -> B/);
  });

  it('negative: a reader completing does not drop an uncertain write entry (a downgraded writer holds it for read beside it)', async () => {
    const t = new MiniTrace().acq(t1, 'R').acquired(t1, 'R');
    loss(t).acq(t1, 'B').rel(t1, 'B')
      .acq(t2, 'B').acq(t2, 'R', { mode: 'read' }).acquired(t2, 'R').rel(t2, 'R').rel(t2, 'B');
    const r = await replay(t);
    expect(warningCount(r, 'stale-held-dropped')).toBe(0);
    expect(findingsOf(r, 'circular-dependency')[0].verdict).toBe('unverified');
  });

  it('negative: without lock_acquired (a lockdep_map many contexts hold at once) nothing is dropped', async () => {
    const t = new MiniTrace().acq(t1, 'A');
    loss(t).acq(t1, 'B').rel(t1, 'B')
      .acq(t2, 'A').rel(t2, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(warningCount(r, 'stale-held-dropped')).toBe(0);
    expect(findingsOf(r, 'circular-dependency')[0].verdict).toBe('unverified');
  });
});

describe('per-CPU losses: a CPU\'s own contexts lose nothing when another CPU\'s buffer does', () => {
  const irq1 = task('lr1_irq', 100, 1, 'd.h1.');
  const irq0 = task('lr2_irq', 101, 0, 'd.h1.');
  const bOverA = (t: MiniTrace) => t.acq(irq0, 'B').acq(irq0, 'A').rel(irq0, 'A').rel(irq0, 'B');

  it('CPU 1\'s hardirq holds A across a loss on CPU 0: A -> B is certain, the cycle is a deadlock', async () => {
    const t = new MiniTrace().acq(irq1, 'A').raw('CPU:0 [LOST 12 EVENTS]').acq(irq1, 'B').rel(irq1, 'B').rel(irq1, 'A');
    const r = await replay(bOverA(t));
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
    expect(deadlocks(r)[0].dependencies.every((d) => !d.first.uncertain)).toBe(true);
  });

  it('negative: a loss on CPU 1 itself makes its hardirq\'s A uncertain (unverified)', async () => {
    const t = new MiniTrace().acq(irq1, 'A').raw('CPU:1 [LOST 12 EVENTS]').acq(irq1, 'B');
    const r = await replay(bOverA(t));
    expect(deadlocks(r)).toEqual([]);
    expect(findingsOf(r, 'circular-dependency')[0].verdict).toBe('unverified');
  });

  it('a loss on CPU 0 does not end a proof pending in CPU 1\'s hardirq: A\'s release proves A -> B', async () => {
    const t = new MiniTrace().acq(irq1, 'A').raw('CPU:1 [LOST 12 EVENTS]').acq(irq1, 'B').rel(irq1, 'B')
      .raw('CPU:0 [LOST 12 EVENTS]').rel(irq1, 'A');
    const r = await replay(bOverA(t));
    expect(deadlocks(r).map(classSet)).toEqual([['A', 'B']]);
    expect(deadlocks(r)[0].dependencies.find((d) => d.from === 'A')!.first.proven).toMatch(/^A \(acquired at line \d+\) was released/);
  });

  it('negative: a task may have run on the CPU that lost events: the same in task context stays unverified', async () => {
    const t = new MiniTrace().acq(t1, 'A').raw('CPU:1 [LOST 12 EVENTS]').acq(t1, 'B').rel(t1, 'B')
      .raw('CPU:0 [LOST 12 EVENTS]').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    expect(deadlocks(r)).toEqual([]);
    expect(findingsOf(r, 'circular-dependency')[0].verdict).toBe('unverified');
  });

  it('an interrupt that returns with A still shown held lost A\'s release: A -> B recorded since the loss is refuted (benign)', async () => {
    const t = new MiniTrace().acq(irq1, 'A').raw('CPU:1 [LOST 12 EVENTS]').acq(irq1, 'B').rel(irq1, 'B')
      .acq(on(irq1, { flags: '.....' }), 'C').rel(on(irq1, { flags: '.....' }), 'C');
    const r = await replay(bOverA(t));
    expect(warningCount(r, 'held-at-context-exit')).toBe(1);
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/^refuted: A -> B/);
  });

  it('negative: without the loss, A -> B in the interrupt is certain whatever is left at its exit', async () => {
    const t = new MiniTrace().acq(irq1, 'A').acq(irq1, 'B').rel(irq1, 'B')
      .acq(on(irq1, { flags: '.....' }), 'C').rel(on(irq1, { flags: '.....' }), 'C');
    expect(deadlocks(await replay(bOverA(t))).map(classSet)).toEqual([['A', 'B']]);
  });
});
