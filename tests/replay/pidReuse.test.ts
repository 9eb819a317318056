/**
 * Pids are reused over long (live) runs: sched_process_exit ends the exiting task's context and
 * sched_process_fork starts the child's afresh, so a new task with an old pid does not inherit the
 * locks its predecessor was seen holding (a stale A held by the old task 100 would make the new task
 * 100's B depend on A, and B -> A elsewhere a false ABBA). Locks held at exit are warned.
 */
import { describe, expect, it } from 'vitest';
import { MiniTrace, replay, task, warningCount } from '../helpers/miniTrace.ts';

const old = task('old_task', 100, 0), reuse = task('new_task', 100, 1), other = task('other', 200, 0);

function withEnd(end: (t: MiniTrace) => MiniTrace): MiniTrace {
  // the old task 100 is seen taking A, never releasing it (its release was not traced, or it exited holding it)
  const t = end(new MiniTrace().acq(old, 'A'));
  return t.acq(reuse, 'B').rel(reuse, 'B').acq(other, 'B').acq(other, 'A').rel(other, 'A').rel(other, 'B');
}

describe('pid reuse', () => {
  it('without exit or fork events the stale A makes a (false) cycle: the hazard', async () => {
    const r = await replay(withEnd((t) => t));
    expect(r.findings.map((f) => f.classes.join(','))).toContain('A,B');
  });

  it('sched_process_exit ends the context: no cycle, the held A is warned', async () => {
    const r = await replay(withEnd((t) => t.event(old, 'sched_process_exit', 'comm=old_task pid=100 prio=120')));
    expect(r.findings).toEqual([]);
    expect(warningCount(r, 'held-at-context-exit')).toBe(1);
    expect(r.warnings.find((w) => w.kind === 'held-at-context-exit')!.first[0].detail).toBe('1 lock(s) held by task 100 when it exited');
  });

  it('sched_process_fork of a child with that pid does the same when the exit was not seen', async () => {
    const r = await replay(withEnd((t) => t.event(other, 'sched_process_fork', 'comm=other pid=200 child_comm=other child_pid=100')));
    expect(r.findings).toEqual([]);
    expect(r.warnings.find((w) => w.kind === 'held-at-context-exit')!.first[0].detail).toMatch(/^1 lock\(s\) held by task 100 when it was reused by a fork/);
  });

  it('a task that exits holding nothing: no warning, evidence still names it', async () => {
    const t = new MiniTrace().acq(old, 'A').acq(old, 'B').rel(old, 'B').rel(old, 'A')
      .event(old, 'sched_process_exit', 'comm=old_task pid=100 prio=120')
      .acq(other, 'B').acq(other, 'A').rel(other, 'A').rel(other, 'B');
    const r = await replay(t);
    expect(r.warnings).toEqual([]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0].dependencies.map((d) => d.first.context)).toEqual(['task 100', 'task 200']);
  });
});
