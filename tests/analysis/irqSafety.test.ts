/**
 * irq safety: inconsistent lock state on the real irq_inversion capture, and
 * irq-safe -> irq-unsafe paths (check_irq_usage()) with lockdep's read rules.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { MiniTrace, task, on, replay, findingsOf, classSet, HEADER } from '../helpers/miniTrace.ts';

const TRACES = join(process.cwd(), '..', 'shared', 'traces');
const IRQ = join(TRACES, 'irq_inversion', 'trace.txt.xz');

describe.skipIf(!existsSync(IRQ))('real capture: irq_inversion', () => {
  it('reports inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} on lr_irq_lock with both usages as evidence', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [IRQ] });
    const f = findingsOf(r, 'inconsistent-irq-state').filter((x) => x.classes[0] === 'lr_irq_lock');
    expect(f).toHaveLength(1);
    expect(f[0].verdict).toBe('deadlock');
    const roles = f[0].evidence!.map((e) => e.role).join(' | ');
    expect(roles).toMatch(/IN-HARDIRQ-W/);
    expect(roles).toMatch(/HARDIRQ-ON-W/);
    const [safe, unsafe] = f[0].evidence!;
    expect(safe.at.context).toMatch(/hardirq/);
    expect(unsafe.at.context).toMatch(/task/);
    // nothing else is a deadlock there
    expect(r.findings.filter((x) => x.verdict === 'deadlock')).toHaveLength(1);
  });
});

const irq = task('swapper/0', 0, 0, 'd.h1.');
const kt = task('kthread_a', 101, 1, 'd...1');
const other = task('kthread_b', 102, 1);

/** safe_lock taken in hardirq; a task nests unsafe_lock inside it (irqs off); unsafe_lock elsewhere with irqs on. */
function safeUnsafe(o: {
  irqRead?: boolean; holdRead?: boolean; unsafeRead?: boolean; unsafeWrittenElsewhere?: boolean; unsafeIrqsOn?: boolean;
  /** The unsafe lock's name (a known recursive reader, say). */ unsafe?: string;
  /** lock_acquired of the unsafe lock: it is a real rwlock_t/rwsem, not a lockdep_map. */ unsafeLockStat?: boolean;
} = {}): MiniTrace {
  const t = new MiniTrace();
  const u = o.unsafe ?? 'unsafe_lock';
  t.touch(irq, 'safe_lock', o.irqRead ? { mode: 'read' } : {});
  t.acq(kt, 'safe_lock', o.holdRead ? { mode: 'read' } : {}).acq(kt, u, o.unsafeRead ? { mode: 'read' } : {});
  if (o.unsafeLockStat) t.acquired(kt, u);
  t.rel(kt, u).rel(kt, 'safe_lock');
  if (o.unsafeWrittenElsewhere) t.touch(kt, u);
  t.touch(o.unsafeIrqsOn === false ? kt : other, u, o.unsafeRead ? { mode: 'read' } : {});
  return t;
}

describe('irq-safe -> irq-unsafe (check_irq_usage())', () => {
  it('a path from a HARDIRQ-safe class to a HARDIRQ-unsafe one is a deadlock, with both usages and the path as evidence', async () => {
    const r = await replay(safeUnsafe());
    const [f] = findingsOf(r, 'irq-safe-unsafe');
    expect(f).toBeDefined();
    expect(f.verdict).toBe('deadlock');
    expect(f.classes).toEqual(['safe_lock', 'unsafe_lock']);
    const roles = f.evidence!.map((e) => e.role);
    expect(roles[0]).toMatch(/safe_lock became HARDIRQ-safe \{IN-HARDIRQ-W\}/);
    expect(roles[1]).toMatch(/unsafe_lock became HARDIRQ-unsafe \{HARDIRQ-ON-W\}/);
    expect(f.dependencies.map((d) => `${d.from}->${d.to}`)).toEqual(['safe_lock->unsafe_lock']);
    expect(f.explanation).toMatch(/hardirq/);
  });

  it('nothing when the unsafe-looking lock is always taken with irqs disabled', async () => {
    const r = await replay(safeUnsafe({ unsafeIrqsOn: false }));
    expect(findingsOf(r, 'irq-safe-unsafe')).toEqual([]);
  });

  it('nothing without a dependency between them (no path)', async () => {
    const t = new MiniTrace();
    t.touch(irq, 'safe_lock').touch(kt, 'safe_lock').touch(other, 'unsafe_lock');
    expect(findingsOf(await replay(t), 'irq-safe-unsafe')).toEqual([]);
  });

  it('read rule: a reader in the irq does not wait for a reader, so {IN-HARDIRQ-R} with the lock held for read is fine', async () => {
    const r = await replay(safeUnsafe({ irqRead: true, holdRead: true }));
    expect(findingsOf(r, 'irq-safe-unsafe')).toEqual([]);
  });

  it('read rule: {IN-HARDIRQ-R} counts when the dependency holds the lock for write', async () => {
    const r = await replay(safeUnsafe({ irqRead: true }));
    const [f] = findingsOf(r, 'irq-safe-unsafe');
    expect(f.verdict).toBe('deadlock');
    expect(f.evidence![0].role).toMatch(/IN-HARDIRQ-R/);
  });

  it('read rule: {HARDIRQ-ON-R} does not count when the path takes the lock as a recursive reader', async () => {
    // a seqcount reader: seqcount_acquire_read() is lock_acquire_shared_recursive(), read=2
    const r = await replay(safeUnsafe({ unsafeRead: true, unsafe: 'lr_sc.seqcount' }));
    expect(findingsOf(r, 'irq-safe-unsafe')).toEqual([]);
  });

  it('read rule: {HARDIRQ-ON-R} counts when the lock is a shared (non-recursive) reader', async () => {
    // lock_acquired: a real rwlock_t or rwsem (LOCK_CONTENDED()); read in task context: read=1
    const r = await replay(safeUnsafe({ unsafeRead: true, unsafeLockStat: true }));
    const [f] = findingsOf(r, 'irq-safe-unsafe');
    expect(f.verdict).toBe('deadlock');
    expect(f.evidence![1].role).toMatch(/HARDIRQ-ON-R/);
  });

  it('read rule: a reader the trace cannot classify (no name, no lock_acquired) gives unverified, naming it', async () => {
    for (const written of [false, true]) {
      const r = await replay(safeUnsafe({ unsafeRead: true, unsafeWrittenElsewhere: written }));
      const [f] = findingsOf(r, 'irq-safe-unsafe');
      expect(f.verdict).toBe('unverified');
      expect(f.reason).toMatch(/holds only if unsafe_lock is taken as a shared reader/);
    }
  });

  it('a path that needs a dependency recorded after lost events is unverified', async () => {
    const t = new MiniTrace();
    t.touch(irq, 'safe_lock');
    t.acq(kt, 'safe_lock').raw('CPU:1 [LOST 3 EVENTS]').acq(kt, 'mid_lock').rel(kt, 'mid_lock');
    t.acq(kt, 'mid_lock').acq(kt, 'unsafe_lock').rel(kt, 'unsafe_lock').rel(kt, 'mid_lock');
    t.touch(other, 'unsafe_lock');
    const r = await replay(t);
    const [f] = findingsOf(r, 'irq-safe-unsafe');
    expect(classSet(f)).toEqual(['safe_lock', 'unsafe_lock']);
    expect(f.verdict).toBe('unverified');
    expect(f.reason).toMatch(/safe_lock -> mid_lock/);
  });

  /** safe_a and safe_b (hardirq-safe) both nest mid_lock; mid_lock -> unsafe_lock, recorded last, maybe after a loss. */
  function twoSafeOneBridge(lossBeforeBridge: boolean): MiniTrace {
    const t = new MiniTrace();
    t.touch(irq, 'safe_a').touch(irq, 'safe_b');
    t.acq(kt, 'safe_a').acq(kt, 'mid_lock').rel(kt, 'mid_lock').rel(kt, 'safe_a');
    t.acq(kt, 'safe_b').acq(kt, 'mid_lock').rel(kt, 'mid_lock').rel(kt, 'safe_b');
    t.acq(kt, 'mid_lock');
    if (lossBeforeBridge) t.raw('CPU:1 [LOST 3 EVENTS]');
    t.acq(kt, 'unsafe_lock').rel(kt, 'unsafe_lock');
    // After a loss, mid_lock's release is not seen (it would prove mid_lock held, replay/pendingProofs).
    if (!lossBeforeBridge) t.rel(kt, 'mid_lock');
    t.touch(other, 'unsafe_lock');
    return t;
  }

  it('unverified pairs through one last-recorded dependency are one finding that names the other pairs', async () => {
    const found = findingsOf(await replay(twoSafeOneBridge(true)), 'irq-safe-unsafe');
    expect(found).toHaveLength(1);
    expect(found[0].verdict).toBe('unverified');
    expect(found[0].classes).toEqual(['safe_a', 'unsafe_lock']);
    expect(found[0].caveats).toEqual([
      '1 more irq-safe -> irq-unsafe pair through the same last-recorded dependency: safe_b -> unsafe_lock (HARDIRQ)',
    ]);
  });

  it('certain pairs are one finding each, even through one dependency', async () => {
    const found = findingsOf(await replay(twoSafeOneBridge(false)), 'irq-safe-unsafe');
    expect(found.map((f) => [f.classes, f.verdict])).toEqual([
      [['safe_a', 'unsafe_lock'], 'deadlock'],
      [['safe_b', 'unsafe_lock'], 'deadlock'],
    ]);
  });

  it('SOFTIRQ: taken in softirq and with BH enabled elsewhere', async () => {
    const t = new MiniTrace();
    t.touch(task('ksoftirqd/0', 12, 0, '..s1.'), 'sirq_lock');
    t.acq(on(kt, { flags: '.b..1' }), 'sirq_lock').acq(on(kt, { flags: '.b..1' }), 'plain_lock').rel(kt, 'plain_lock').rel(kt, 'sirq_lock');
    t.touch(other, 'plain_lock');
    const [f] = findingsOf(await replay(t), 'irq-safe-unsafe');
    expect(f.classes).toEqual(['sirq_lock', 'plain_lock']);
    expect(f.evidence![0].role).toMatch(/SOFTIRQ-safe/);
  });
});

describe('enabled while held (mark_held_locks() lower bound, §4.4)', () => {
  const off = task('kthread_c', 103, 1, 'd...1');
  const onFlags = on(off, { flags: '....1' });

  it('a lock taken with irqs off, still held when the context shows irqs on, becomes HARDIRQ-unsafe', async () => {
    const t = new MiniTrace();
    t.touch(irq, 'timer_lock'); // IN-HARDIRQ-W
    t.acq(off, 'timer_lock').acq(onFlags, 'other_lock').rel(onFlags, 'other_lock').rel(onFlags, 'timer_lock');
    const r = await replay(t);
    const [f] = findingsOf(r, 'inconsistent-irq-state');
    expect(f.classes).toEqual(['timer_lock']);
    expect(f.evidence![1].role).toMatch(/HARDIRQ-ON-W/);
    // the event that showed irqs on while timer_lock was held: the other_lock acquire
    expect(f.evidence![1].at.line).toBe(HEADER.length + 4);
    expect(f.evidence![1].at.held).toEqual(['timer_lock']);
  });

  it('nothing when irqs come back on only after the release (spin_unlock_irq())', async () => {
    const t = new MiniTrace();
    t.touch(irq, 'timer_lock');
    t.acq(off, 'timer_lock').acq(off, 'other_lock').rel(off, 'other_lock').rel(off, 'timer_lock').touch(onFlags, 'other_lock');
    expect(findingsOf(await replay(t), 'inconsistent-irq-state')).toEqual([]);
  });
});
