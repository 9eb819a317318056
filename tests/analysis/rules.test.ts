/**
 * The rules file (--rules): validation, suppressions, class rename/merge/split,
 * and pseudo-locks from trace_marker lines and custom (kprobe) events.
 */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/analysis/rules.ts';
import { InputError } from '../../src/model/inputError.ts';
import { FtraceTextDecoder } from '../../src/decode/ftrace/ftraceTextDecoder.ts';
import { GlobalStrings, LocalRemap } from '../../src/model/globalStrings.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer } from '../../src/replay/replayer.ts';
import { EventKind } from '../../src/model/eventKind.ts';
import { MiniTrace, task, replay, findingsOf, classSet, withReplay, warningCount, HEADER } from '../helpers/miniTrace.ts';

const rules = (o: unknown) => parseRules('rules.json', JSON.stringify(o));
const t1 = task('kthread_a', 101, 0);
const t2 = task('kthread_b', 102, 1);

function abba(a = 'lock_a', b = 'lock_b'): MiniTrace {
  return new MiniTrace()
    .acq(t1, a).acq(t1, b).rel(t1, b).rel(t1, a)
    .acq(t2, b).acq(t2, a).rel(t2, a).rel(t2, b);
}

describe('rules file validation', () => {
  const err = (o: unknown): string => {
    try {
      rules(o);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };
  it('names the file and the field', () => {
    expect(err({ suppress: [{ classes: ['a'] }] })).toBe('rules.json: suppress[0].reason: required string is missing');
    expect(err({ suppress: [{ kind: 'deadlock', classes: ['a'], reason: 'x' }] })).toMatch(/^rules\.json: suppress\[0\]\.kind: unknown finding kind 'deadlock'/);
    expect(err({ classes: [{ split: 'a' }] })).toMatch(/^rules\.json: classes\[0\]\.byHeld: required/);
    expect(err({ pseudoLocks: [{ event: 'probe:x', action: 'grab', lock: 'l' }] })).toMatch(/pseudoLocks\[0\]\.action/);
    expect(err({ pseudoLocks: [{ event: 'x', action: 'wait', lock: 'l', match: '(' }] })).toMatch(/pseudoLocks\[0\]\.match: invalid regular expression/);
    expect(err({ suppres: [] })).toMatch(/^rules\.json: suppres: unknown field/);
    expect(err([])).toMatch(/top level/);
  });
  it('reports invalid JSON with its line', () => {
    expect(() => parseRules('r.json', '{\n "suppress": [,]\n}')).toThrow(/^r\.json(:2)?: invalid JSON/);
  });
  it('accepts a complete, valid file', () => {
    const r = rules({
      suppress: [{ kind: 'circular-dependency', classes: ['lock_*', '/^other$/'], reason: 'known' }],
      classes: [{ rename: 'a', to: 'b' }, { merge: ['x', 'y'], into: 'xy' }, { split: 'c', byHeld: 'd' }],
      pseudoLocks: [{ event: 'probe:inode_dio_begin', action: 'acquire', lock: 'inode_dio', instance: 'ino' }],
    });
    expect(r.pseudoLocks[0].event).toBe('inode_dio_begin');
    expect(r.classes.map((c) => c.op)).toEqual(['rename', 'merge', 'split']);
  });
});

describe('suppress', () => {
  it('a matching rule (glob) makes the verdict suppressed and prints the reason', async () => {
    const r = await replay(abba(), withReplay({ rules: rules({ suppress: [{ kind: 'circular-dependency', classes: ['lock_*'], reason: 'fixed in v6.13' }] }) }));
    const [f] = findingsOf(r, 'circular-dependency');
    expect(f.verdict).toBe('suppressed');
    expect(f.reason).toMatch(/^fixed in v6\.13 \(suppressed by rules\.json suppress\[0\]; verdict would have been deadlock\)/);
    expect(f.lockdepWouldReportFirst).toBeUndefined();
    expect(warningCount(r, 'unmatched-suppression')).toBe(0);
  });
  it('a rule for other classes or another kind does not match, and is listed as unmatched', async () => {
    const r = await replay(abba(), withReplay({
      rules: rules({ suppress: [{ classes: ['lock_a', 'lock_c'], reason: 'x' }, { kind: 'recursive-locking', classes: ['/lock_./'], reason: 'y' }] }),
    }));
    expect(findingsOf(r, 'circular-dependency')[0].verdict).toBe('deadlock');
    const w = r.warnings.find((x) => x.kind === 'unmatched-suppression')!;
    expect(w.count).toBe(2);
    expect(w.first.map((l) => l.detail)).toEqual(['suppress[0]: any kind [lock_a, lock_c]', 'suppress[1]: recursive-locking [/lock_./]']);
  });
});

describe('class rules', () => {
  it('merge: two names that are one lockdep class close a cycle', async () => {
    const t = new MiniTrace()
      .acq(t1, 'old_name').acq(t1, 'lock_b').rel(t1, 'lock_b').rel(t1, 'old_name')
      .acq(t2, 'lock_b').acq(t2, 'new_name').rel(t2, 'new_name').rel(t2, 'lock_b');
    expect(findingsOf(await replay(t), 'circular-dependency')).toEqual([]);
    const r = await replay(t, withReplay({ rules: rules({ classes: [{ merge: ['old_name', 'new_name'], into: 'the_lock' }] }) }));
    expect(classSet(findingsOf(r, 'circular-dependency')[0])).toEqual(['lock_b', 'the_lock']);
  });
  it('rename: the class is shown under its new name', async () => {
    const r = await replay(abba(), withReplay({ rules: rules({ classes: [{ rename: '/^lock_a$/', to: '&inode->i_rwsem' }] }) }));
    expect(classSet(findingsOf(r, 'circular-dependency')[0])).toEqual(['&inode->i_rwsem', 'lock_b']);
  });
  it('split by held lock: the two orders are taken under different parents, so they are different classes', async () => {
    const t = new MiniTrace()
      .acq(t1, 'parent_x').acq(t1, 'lock_a').acq(t1, 'lock_b').rel(t1, 'lock_b').rel(t1, 'lock_a').rel(t1, 'parent_x')
      .acq(t2, 'parent_y').acq(t2, 'lock_b').acq(t2, 'lock_a').rel(t2, 'lock_a').rel(t2, 'lock_b').rel(t2, 'parent_y');
    expect(findingsOf(await replay(t), 'circular-dependency')).toHaveLength(1);
    const r = await replay(t, withReplay({ rules: rules({ classes: [{ split: 'lock_a', byHeld: 'parent_*' }] }) }));
    expect(findingsOf(r, 'circular-dependency')).toEqual([]);
  });
  it('split by held lock: the same parent on both sides keeps the cycle', async () => {
    const t = new MiniTrace()
      .acq(t1, 'parent_x').acq(t1, 'lock_a').acq(t1, 'lock_b').rel(t1, 'lock_b').rel(t1, 'lock_a').rel(t1, 'parent_x')
      .acq(t2, 'lock_b').acq(t2, 'parent_x', { addr: 'ffffffff81000000' }).acq(t2, 'lock_a').rel(t2, 'lock_a')
      .rel(t2, 'parent_x', { addr: 'ffffffff81000000' }).rel(t2, 'lock_b');
    const r = await replay(t, withReplay({ rules: rules({ classes: [{ split: 'lock_a', byHeld: 'parent_*' }] }) }));
    const fs = findingsOf(r, 'circular-dependency');
    expect(fs.some((f) => f.classes.includes('lock_a[parent_x]') && f.classes.includes('lock_b'))).toBe(true);
  });
});

// ------------------------------------------------------------------ pseudo-locks

const DIO_RULES = {
  pseudoLocks: [
    { event: 'tracing_mark_write', match: '^inode_dio_begin\\b', action: 'acquire', lock: 'inode_dio', instance: 'ino' },
    { event: 'tracing_mark_write', match: '^inode_dio_end\\b', action: 'release', lock: 'inode_dio', instance: 'ino' },
    { event: 'tracing_mark_write', match: '^inode_dio_wait\\b', action: 'wait', lock: 'inode_dio', instance: 'ino' },
  ],
};
const fio = task('fio', 200, 1);
const mark = (t: MiniTrace, c: typeof fio, text: string) => t.event(c, 'tracing_mark_write', text);

describe('pseudo-locks (inode_dio via trace_marker)', () => {
  const run = (t: MiniTrace) => replay(t, withReplay({ rules: rules(DIO_RULES) }));

  it('inode_dio_wait on the inode whose dio the task itself holds is recursive locking', async () => {
    const t = new MiniTrace();
    mark(t, fio, 'inode_dio_begin ino=42');
    mark(t, fio, 'inode_dio_wait ino=42');
    mark(t, fio, 'inode_dio_end ino=42');
    const r = await run(t);
    const [f] = findingsOf(r, 'recursive-locking');
    expect(f.classes).toEqual(['inode_dio']);
    expect(f.verdict).toBe('deadlock');
    expect(f.evidence![0].at.line).toBe(HEADER.length + 1);
    expect(f.evidence![1].at.line).toBe(HEADER.length + 2);
  });

  it('a wait on another inode is nothing', async () => {
    const t = new MiniTrace();
    mark(t, fio, 'inode_dio_begin ino=42');
    mark(t, fio, 'inode_dio_wait ino=43');
    mark(t, fio, 'inode_dio_end ino=42');
    expect((await run(t)).findings).toEqual([]);
  });

  it('a wait after the matching end is nothing', async () => {
    const t = new MiniTrace();
    mark(t, fio, 'inode_dio_begin ino=42');
    mark(t, fio, 'inode_dio_end ino=42');
    mark(t, fio, 'inode_dio_wait ino=42');
    expect((await run(t)).findings).toEqual([]);
  });

  it('an end in another context (the completion) releases the task\'s reference', async () => {
    const t = new MiniTrace();
    mark(t, fio, 'inode_dio_begin ino=42');
    mark(t, task('kworker/1:2', 31, 1), 'inode_dio_end ino=42');
    mark(t, fio, 'inode_dio_wait ino=42');
    const r = await run(t);
    expect(r.findings).toEqual([]);
    expect(warningCount(r, 'unheld-release')).toBe(0);
  });

  it('without the rules the markers mean nothing', async () => {
    const t = new MiniTrace();
    mark(t, fio, 'inode_dio_begin ino=42');
    mark(t, fio, 'inode_dio_wait ino=42');
    expect((await replay(t)).findings).toEqual([]);
  });
});

describe('pseudo-locks from custom (kprobe) events', () => {
  const text = [
    ...HEADER,
    '             fio-200     [001] ..... 10.000001: inode_dio_begin: (inode_dio_begin+0x0/0x30) ino=0x2a',
    '             fio-200     [001] ..... 10.000002: inode_dio_wait: (inode_dio_wait+0x0/0x50) ino=0x2a',
    '             fio-200     [001] ..... 10.000003: inode_dio_end: (inode_dio_end+0x0/0x30) ino=0x2a',
    '',
  ].join('\n');
  const kprobeRules = rules({
    pseudoLocks: [
      { event: 'probe:inode_dio_begin', action: 'acquire', lock: 'inode_dio', instance: 'ino' },
      { event: 'probe:inode_dio_end', action: 'release', lock: 'inode_dio', instance: 'ino' },
      { event: 'probe:inode_dio_wait', action: 'wait', lock: 'inode_dio', instance: 'ino' },
    ],
  });

  function decode(customEvents?: string[]) {
    const strings = new GlobalStrings();
    const r = new Replayer(strings, { ...DEFAULT_REPLAY_OPTIONS, rules: kprobeRules });
    const dec = new FtraceTextDecoder(0, { instanceMode: false, maxLineBytes: 1 << 20, ...(customEvents ? { customEvents } : {}) });
    const d = dec.decode(Buffer.from(text), 1);
    new LocalRemap(strings).apply(d.batch);
    r.replay(d.batch);
    return { r, d };
  }

  it('the decoder keeps the named events as Custom and the replay sees the recursion', () => {
    const probe = new Replayer(new GlobalStrings(), { ...DEFAULT_REPLAY_OPTIONS, rules: kprobeRules });
    const { r, d } = decode(probe.pseudo!.customEvents);
    expect(Array.from(d.batch.kind)).toEqual([EventKind.Custom, EventKind.Custom, EventKind.Custom]);
    expect(r.recursions).toHaveLength(1);
    expect(r.classes.displayName(r.recursions[0].cls)).toBe('inode_dio');
  });

  it('by default they stay other events (the default path is unchanged)', () => {
    const { r, d } = decode();
    expect(d.batch.length).toBe(0);
    expect(d.stats.otherEvents).toBe(3);
    expect(r.recursions).toHaveLength(0);
  });
});
