/** check_deadlock() and same-name nesting (kernel-semantics §3.7, trap 12); read recursion (§3.6, trap 13). */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, on, replay, findingsOf, deadlocks, classSet } from '../helpers/miniTrace.ts';

const t1 = task('lr1_rec', 100, 0);
const t2 = task('lr2_rec', 101, 1);
const I1 = 'ffff888001000100', I2 = 'ffff888001000200', I3 = 'ffff888001000300';

describe('same-name nesting vs same-instance recursion', () => {
  it('two instances of one name nested: no recursive-locking deadlock, the inner one is class name/1', async () => {
    const t = new MiniTrace()
      .acq(t1, '&ei->lock', { addr: I1 }).acq(t1, '&ei->lock', { addr: I2 }).acq(t1, 'Z')
      .rel(t1, 'Z').rel(t1, '&ei->lock', { addr: I2 }).rel(t1, '&ei->lock', { addr: I1 });
    const r = await replay(t);
    expect(deadlocks(r)).toEqual([]);
    expect(findingsOf(r, 'recursive-locking').filter((f) => f.verdict === 'deadlock')).toEqual([]);
    expect(r.stats.classes).toBe(3); // &ei->lock, &ei->lock/1, Z
    // show the subclass name via a cycle through it: Z then the outer one elsewhere
    const c = await replay(new MiniTrace()
      .acq(t1, '&ei->lock', { addr: I1 }).acq(t1, '&ei->lock', { addr: I2 }).acq(t1, 'Z')
      .rel(t1, 'Z').rel(t1, '&ei->lock', { addr: I2 }).rel(t1, '&ei->lock', { addr: I1 })
      .acq(t2, 'Z').acq(t2, '&ei->lock', { addr: I3 }).rel(t2, '&ei->lock', { addr: I3 }).rel(t2, 'Z'));
    const names = findingsOf(c, 'circular-dependency').flatMap((f) => f.classes);
    expect(names).toContain('&ei->lock/1');
    expect(names).toContain('&ei->lock');
  });

  it('same instance taken twice: recursive-locking deadlock', async () => {
    const t = new MiniTrace().acq(t1, '&ei->lock', { addr: I1 }).acq(t1, '&ei->lock', { addr: I1 });
    const r = await replay(t);
    const rec = findingsOf(r, 'recursive-locking');
    expect(rec.map((f) => f.verdict)).toEqual(['deadlock']);
    expect(classSet(rec[0])).toEqual(['&ei->lock']);
  });

  it('a lock taken in a hardirq on top of the same instance held by the task is recursion (check_deadlock scans all contexts)', async () => {
    const irq = { ...t1, flags: 'd.h1.' };
    const t = new MiniTrace().acq(t1, 'L', { addr: I1 }).acq(irq, 'L', { addr: I1 });
    const r = await replay(t);
    expect(findingsOf(r, 'recursive-locking').length).toBe(1);
  });
});

/**
 * Read locks as lockdep classifies them (analysis/readInterpretation): rwlock_acquire_read() is
 * read=2 only when read_lock_is_recursive() (in_interrupt(), or no CONFIG_QUEUED_RWLOCKS), else
 * read=1; rwsem_acquire_read() is read=1; seqcount_acquire_read(), lock_map_acquire_read() and the
 * RCU/SRCU maps are read=2. Each case: R held around A in one task, A around R in another.
 */
describe('read locks', () => {
  const soft = on(t2, { flags: '..s1.' }), bhOff = on(t2, { flags: 'b..1.' });
  /** t1 (or `reader`): read R, then A; t2: A, then read R. `stat`: R shows lock_acquired (a real lock). */
  const readCycle = (R: string, o: { reader?: typeof t1; stat?: boolean } = {}) => {
    const t = new MiniTrace();
    const rd = o.reader ?? t1;
    t.acq(rd, R, { mode: 'read' });
    if (o.stat) t.acquired(rd, R);
    t.acq(rd, 'A').rel(rd, 'A').rel(rd, R);
    t.acq(t2, 'A').acq(t2, R, { mode: 'read' });
    if (o.stat) t.acquired(t2, R);
    return t.rel(t2, R).rel(t2, 'A');
  };
  const verdictOf = async (t: MiniTrace) => findingsOf(await replay(t), 'circular-dependency').map((f) => f.verdict);

  it('rwlock_t in process context (lock_acquired shows a real lock): read=1, the cycle is a deadlock', async () => {
    expect(await verdictOf(readCycle('lr_rwlock', { stat: true }))).toEqual(['deadlock']);
  });

  it('rwlock_t in interrupt context (softirq, or BH disabled): in_interrupt() makes it read=2, the cycle is benign', async () => {
    for (const reader of [soft, bhOff]) {
      // t1 reads R in process context (read=1) around A; t2 takes R for read under A in softirq / with BH off
      const t = new MiniTrace()
        .acq(t1, 'lr_rwlock', { mode: 'read' }).acquired(t1, 'lr_rwlock').acq(t1, 'A').rel(t1, 'A').rel(t1, 'lr_rwlock')
        .acq(on(t2, { flags: reader.flags }), 'A').acq(on(t2, { flags: reader.flags }), 'lr_rwlock', { mode: 'read' })
        .rel(on(t2, { flags: reader.flags }), 'lr_rwlock').rel(on(t2, { flags: reader.flags }), 'A');
      expect(await verdictOf(t)).toEqual(['benign']);
    }
  });

  it('rw_semaphore (down_read(): rwsem_acquire_read(), read=1 whatever the context): deadlock without lock_acquired', async () => {
    expect(await verdictOf(readCycle('&lr->rwsem'))).toEqual(['deadlock']);
  });

  it('RCU/SRCU maps, seqcount readers: read=2, the cycle is benign', async () => {
    expect(await verdictOf(readCycle('lr_srcu'))).toEqual(['benign']);
    expect(await verdictOf(readCycle('lr_seq.seqcount'))).toEqual(['benign']);
  });

  it('lock_map_acquire_read() map or unknown reader (no name, no lock_acquired): unverified, naming the reader', async () => {
    const r = await replay(readCycle('lr_map'));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('unverified');
    expect(f.reason).toMatch(/holds only if lr_map is taken as a shared reader/);
    expect(deadlocks(r)).toEqual([]);
  });

  it('read-read of one instance: recursion for a shared reader, allowed for a recursive one, unverified when undetermined', async () => {
    const rr = (name: string, stat: boolean) => {
      const t = new MiniTrace().acq(t1, name, { mode: 'read' });
      if (stat) t.acquired(t1, name);
      return t.acq(t1, name, { mode: 'read' }).rel(t1, name).rel(t1, name);
    };
    const verdicts = async (t: MiniTrace) => findingsOf(await replay(t), 'recursive-locking').map((f) => f.verdict);
    expect(await verdicts(rr('lr_rwlock', true))).toEqual(['deadlock']);
    expect(await verdicts(rr('&lr->rwsem', false))).toEqual(['deadlock']);
    expect(await verdicts(rr('lr_seq.seqcount', false))).toEqual([]);
    expect(await verdicts(rr('lr_map', false))).toEqual(['unverified']);
  });
});
