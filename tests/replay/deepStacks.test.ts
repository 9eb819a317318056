/**
 * Deep held stacks cost bounded memory per dependency (graph/evidence EVIDENCE_HELD,
 * lockdep's MAX_LOCK_DEPTH = 48) and lose nothing silently: evidence keeps the
 * innermost 48 held locks and counts the rest, gate candidates come from the
 * outermost 48, and acquisitions past the replay's depth limit are still chained,
 * counted ('depth-limit') and released without noise.
 */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, on, replay, withReplay, findingsOf, warningCount } from '../helpers/miniTrace.ts';
import { renderText } from '../../src/report/text.ts';
import { renderJson } from '../../src/report/json.ts';
import { EVIDENCE_HELD } from '../../src/graph/evidence.ts';

const t1 = task('lr1_deep', 100, 0), t2 = task('lr2_deep', 101, 1);
const nest = (t: MiniTrace, c: typeof t1, prefix: string, n: number) => {
  for (let i = 0; i < n; i++) t.acq(c, `${prefix}${i}`);
  return t;
};
const unnest = (t: MiniTrace, c: typeof t1, prefix: string, n: number) => {
  for (let i = n - 1; i >= 0; i--) t.rel(c, `${prefix}${i}`);
  return t;
};

describe('evidence under a deep stack', () => {
  it('keeps the innermost 48 held locks and counts the rest, in JSON and text', async () => {
    const t = nest(new MiniTrace(), t1, 'outer_', 60).acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A');
    unnest(t, t1, 'outer_', 60).acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t);
    const [f] = findingsOf(r, 'circular-dependency');
    const ab = f.dependencies.find((d) => d.from === 'A' && d.to === 'B')!;
    // 61 held when B was taken (60 outer + A): the innermost 48 kept, 13 counted
    expect(EVIDENCE_HELD).toBe(48);
    expect(ab.first.held).toHaveLength(48);
    expect(ab.first.heldOmitted).toBe(13);
    expect(ab.first.held[0]).toBe('outer_13');
    expect(ab.first.held.at(-1)).toBe('A');
    // the shallow side has nothing to omit, and says nothing about it
    const ba = f.dependencies.find((d) => d.from === 'B' && d.to === 'A')!;
    expect(ba.first.held).toEqual(['B']);
    expect('heldOmitted' in ba.first).toBe(false);
    expect(renderText(r)).toContain('holding: … 13 more held, outer_13, outer_14, ');
    expect(renderJson(r)).toContain('"heldOmitted": 13');
  });
});

describe('gate candidates under a deep stack', () => {
  /** Both sides of an ABBA under `before` distinct locks of their own, then the shared gate G, then `after` more. */
  function gated(before: number, after: number): MiniTrace {
    const t = new MiniTrace();
    const side = (c: typeof t1, p: string, x: string, y: string) => {
      nest(t, c, `${p}_in_`, before).acq(c, 'G');
      nest(t, c, `${p}_out_`, after).acq(c, x).acq(c, y).rel(c, y).rel(c, x);
      unnest(t, c, `${p}_out_`, after).rel(c, 'G');
      unnest(t, c, `${p}_in_`, before);
    };
    side(t1, 'one', 'A', 'B');
    side(t2, 'two', 'B', 'A');
    return t;
  }

  it('a gate among the outermost 48 is found however deep the rest goes', async () => {
    const r = await replay(gated(3, 70));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/gate lock: .*G/);
  });

  // The window is lockdep's own held_locks[MAX_LOCK_DEPTH]: past it a gate is not looked for, so the
  // cycle keeps its plain verdict (fewer gates, never more: nothing is called benign unchecked).
  it('a gate deeper than the outermost 48 is not used', async () => {
    const r = await replay(gated(50, 2));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('deadlock');
  });
});

describe('past the replay depth limit', () => {
  const opts = withReplay({ maxDepth: 8 });

  it('acquisitions are chained to the deepest kept lock, counted, and their releases are expected', async () => {
    const t = unnest(nest(new MiniTrace(), t1, 'n', 12), t1, 'n', 12);
    const r = await replay(t, opts);
    expect(warningCount(r, 'depth-limit')).toBe(4);
    expect(r.warnings.find((w) => w.kind === 'depth-limit')!.first[0].detail).toBe('task 100 holds 9 locks');
    expect(warningCount(r, 'unheld-release')).toBe(0);
    expect(warningCount(r, 'held-at-end')).toBe(0);
    expect(r.stats.maxDepth).toBe(8);
    // n0->n1 ... n6->n7 pushed; n8..n11 each chained to n7, the deepest kept
    expect(r.stats.dependencies).toBe(11);
  });

  it('unreleased ones are held at the end, and said to be past the limit', async () => {
    const r = await replay(nest(new MiniTrace(), t1, 'n', 10), opts);
    const w = r.observations.find((x) => x.kind === 'held-at-end')!;
    expect(w.count).toBe(10);
    expect(w.first[0].detail).toBe('10 in task 100 (2 past the depth limit)');
  });

  it('a dependency from a lock past the limit is lost, and the warning is what says so', async () => {
    // n8 is past the limit: n8 -> X is not recorded (X is chained to n7), but depth-limit was counted
    const t = nest(new MiniTrace(), t1, 'n', 9).acq(t1, 'X').rel(t1, 'X');
    const r = await replay(unnest(t, t1, 'n', 9), opts);
    expect(warningCount(r, 'depth-limit')).toBe(2);
    expect(r.stats.dependencies).toBe(9); // n0->n1..n6->n7, n7->n8, n7->X
  });
});

describe('enabled-while-held scan over a deep stack (mark_held_locks() lower bound)', () => {
  const irq = task('irq_deep', 200, 2, 'd.h1.');
  const off = task('kthread_deep', 103, 1, 'd...1');
  const onFlags = on(off, { flags: '....1' });

  it('a waiting lock whose stack shifts down (locks below it released out of order) still becomes HARDIRQ-unsafe', async () => {
    const t = new MiniTrace().touch(irq, 'timer_lock');
    nest(t, onFlags, 'q', 6).acq(off, 'timer_lock'); // q0..q5 settled, timer_lock waits at index 6
    nest(t, off, 'p', 4);
    t.rel(off, 'q2').rel(off, 'q4'); // non-LIFO below it: timer_lock moves down to index 4
    t.acq(onFlags, 'other').rel(onFlags, 'other');
    const r = await replay(t);
    const [f] = findingsOf(r, 'inconsistent-irq-state');
    expect(f?.classes).toEqual(['timer_lock']);
    expect(f.evidence![1].role).toMatch(/HARDIRQ-ON-W/);
  });

  it('a lock pushed with irqs off after everything below was settled is still found', async () => {
    const t = new MiniTrace().touch(irq, 'timer_lock');
    nest(t, onFlags, 'q', 20).acq(off, 'timer_lock').acq(onFlags, 'other').rel(onFlags, 'other');
    const r = await replay(t);
    expect(findingsOf(r, 'inconsistent-irq-state').map((f) => f.classes)).toEqual([['timer_lock']]);
  });
});
