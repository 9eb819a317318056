/**
 * Verdict rules on mini traces: gate locks, never-executed workqueues (old
 * kernels' shared workqueue classes), work maps joined by name, lost events,
 * and the kernel's capacity limits.
 */
import { describe, expect, it } from 'vitest';
import { MiniTrace, task, on, replay, findingsOf, classSet, withReplay, HEADER } from '../helpers/miniTrace.ts';

const t1 = task('kthread_a', 101, 0);
const t2 = task('kthread_b', 102, 1);

/** Both orders of A/B, each recorded while holding `gate` (instance given per side). */
function gated(gateAddr1: string, gateAddr2: string, secondAlsoUngated = false): MiniTrace {
  const t = new MiniTrace();
  t.acq(t1, 'cpu_add_remove_lock', { addr: gateAddr1 }).acq(t1, 'lock_a').acq(t1, 'lock_b').rel(t1, 'lock_b').rel(t1, 'lock_a')
    .rel(t1, 'cpu_add_remove_lock', { addr: gateAddr1 });
  t.acq(t2, 'cpu_add_remove_lock', { addr: gateAddr2 }).acq(t2, 'lock_b').acq(t2, 'lock_a').rel(t2, 'lock_a').rel(t2, 'lock_b')
    .rel(t2, 'cpu_add_remove_lock', { addr: gateAddr2 });
  if (secondAlsoUngated) t.acq(t2, 'lock_b').acq(t2, 'lock_a').rel(t2, 'lock_a').rel(t2, 'lock_b');
  return t;
}

describe('gate locks (cpu-up / cpu-down shape)', () => {
  it('is benign, naming the gate, when both directions were always recorded under one instance', async () => {
    const r = await replay(gated('ffffffff82000000', 'ffffffff82000000'));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(classSet(f)).toEqual(['lock_a', 'lock_b']);
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/gate lock.*cpu_add_remove_lock/);
  });

  it('stays a deadlock when the two sides held different instances of the common lock', async () => {
    const r = await replay(gated('ffffffff82000000', 'ffffffff82000040'));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('deadlock');
  });

  it('stays a deadlock when one direction was also recorded without the gate', async () => {
    const r = await replay(gated('ffffffff82000000', 'ffffffff82000000', true));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('deadlock');
  });
});

// ------------------------------------------------------------------ workqueues

const worker = task('kworker/0:1', 30, 0);
const flusher = task('lr2_step', 140, 1);
const STACK_COPY = 'ffffc90000123e58';
const WORK = 'ffffffffa0002540';

/** process_one_work(): wq map, work map at its stack copy, execute_start with the real work address. */
function runWork(t: MiniTrace, wqAddr: string): MiniTrace {
  return t
    .acq(worker, '(wq_completion)lr_dup', { addr: wqAddr })
    .acq(worker, '(work_completion)(&lr_work)', { addr: STACK_COPY })
    .event(worker, 'workqueue_execute_start', `work struct ${WORK}: function lr_work_fn`)
    .acq(worker, 'lr_wq_mutex').rel(worker, 'lr_wq_mutex')
    .event(worker, 'workqueue_execute_end', `work struct ${WORK}: function lr_work_fn`)
    .rel(worker, '(work_completion)(&lr_work)', { addr: STACK_COPY })
    .rel(worker, '(wq_completion)lr_dup', { addr: wqAddr });
}

const USED_WQ = 'ffff888000a72d48';
const FRESH_WQ = 'ffff888000b11d48';

describe('workqueues', () => {
  it('--wq-model shared: a cycle through a workqueue that never executed a work item is benign', async () => {
    const t = runWork(new MiniTrace(), USED_WQ);
    // destroy_workqueue() of a fresh queue with the same name, under the mutex the work takes
    t.acq(flusher, 'lr_wq_mutex').touch(flusher, '(wq_completion)lr_dup', { addr: FRESH_WQ }).rel(flusher, 'lr_wq_mutex');
    const r = await replay(t, withReplay({ wqModel: 'shared' }));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(classSet(f)).toEqual(['(work_completion)(&lr_work)', '(wq_completion)lr_dup', 'lr_wq_mutex']);
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/never executed a work item/);
  });

  it('--wq-model shared: flushing the workqueue that did run the work, under its mutex, stays a deadlock', async () => {
    const t = runWork(new MiniTrace(), USED_WQ);
    t.acq(flusher, 'lr_wq_mutex').touch(flusher, '(wq_completion)lr_dup', { addr: USED_WQ }).rel(flusher, 'lr_wq_mutex');
    const r = await replay(t, withReplay({ wqModel: 'shared' }));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('deadlock');
    expect(f.explanation).toMatch(/flush/);
  });

  it('default (dynamic) model: the fresh workqueue is its own class, so there is no cycle at all', async () => {
    const t = runWork(new MiniTrace(), USED_WQ);
    t.acq(flusher, 'lr_wq_mutex').touch(flusher, '(wq_completion)lr_dup', { addr: FRESH_WQ }).rel(flusher, 'lr_wq_mutex');
    const r = await replay(t);
    expect(findingsOf(r, 'circular-dependency')).toEqual([]);
  });

  it('flush_work() on the real work address joins the executor\'s stack-copy work map by name', async () => {
    const t = runWork(new MiniTrace(), USED_WQ);
    t.acq(flusher, 'lr_wq_mutex').touch(flusher, '(work_completion)(&lr_work)', { addr: WORK }).rel(flusher, 'lr_wq_mutex');
    const r = await replay(t);
    const [f] = findingsOf(r, 'circular-dependency');
    expect(classSet(f)).toEqual(['(work_completion)(&lr_work)', 'lr_wq_mutex']);
    expect(f.verdict).toBe('deadlock');
  });
});

// ------------------------------------------------------------------ lost events

describe('lost events', () => {
  function lostTrace(lostCpu: number, releaseFirst: boolean): MiniTrace {
    const a = task('kthread_a', 101, 1);
    const t = new MiniTrace();
    t.acq(a, 'lock_a');
    t.raw(`CPU:${lostCpu} [LOST 12 EVENTS]`);
    if (releaseFirst) t.rel(a, 'lock_a').acq(a, 'lock_a');
    t.acq(a, 'lock_b').rel(a, 'lock_b').rel(a, 'lock_a');
    t.acq(t2, 'lock_b').acq(t2, 'lock_a').rel(t2, 'lock_a').rel(t2, 'lock_b');
    return t;
  }

  // The unverified case itself and the other-CPU negative are in tests/replay/uncertainty.test.ts.
  it('once the context\'s stack has emptied, later dependencies are certain again', async () => {
    const r = await replay(lostTrace(1, true));
    expect(findingsOf(r, 'circular-dependency')[0].verdict).toBe('deadlock');
  });
});

// ------------------------------------------------------------------ capacity

describe('capacity (kernel default limits)', () => {
  it('reports where lockdep would have hit MAX_LOCK_DEPTH (48): at the 48th held lock', async () => {
    const t = new MiniTrace();
    for (let k = 0; k < 50; k++) t.acq(t1, `nest_${String(k).padStart(2, '0')}`);
    for (let k = 49; k >= 0; k--) t.rel(t1, `nest_${String(k).padStart(2, '0')}`);
    const r = await replay(t);
    const depth = r.capacity.find((c) => c.limit === 'depth');
    expect(depth).toBeDefined();
    expect(depth!.value).toBe(48);
    // the 48th acquisition (1-based lines: header, then one line per event): __lock_acquire()
    // checks lockdep_depth >= MAX_LOCK_DEPTH after incrementing it
    expect(depth!.line).toBe(HEADER.length + 48);
    expect(r.stats.maxDepth).toBe(50);
  });

  it('says nothing at depth 47', async () => {
    const t = new MiniTrace();
    for (let k = 0; k < 47; k++) t.acq(t1, `nest_${k}`);
    const r = await replay(t);
    expect(r.capacity).toEqual([]);
  });
});

// unused helper guard (on() is part of the helper API used elsewhere)
void on;
