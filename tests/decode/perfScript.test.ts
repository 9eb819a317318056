import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { newPerfLineFields, parsePerfScriptLine } from '../../src/decode/perf/perfScriptLine.ts';
import { PerfScriptDecoder } from '../../src/decode/perf/perfScriptDecoder.ts';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import { EventKind, IrqBits, LockFlags } from '../../src/model/eventKind.ts';
import { replayDependencies } from '../../src/cli/commands/compareLockdep.ts';
import { ROOT, SHARED_TRACES } from '../helpers/cli.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';

const FIXTURE = `${ROOT}/traces/perf-script-abba-lr1.txt`;
const LOST_FIXTURE = `${ROOT}/traces/perf-script-lost.txt`;
const ABBA_PERF = `${SHARED_TRACES}/abba/perf_rerun/perf-script.txt.xz`;
const NONE_PERF = `${SHARED_TRACES}/none/perf-script.txt.xz`;

function parse(line: string) {
  const b = Buffer.from(line, 'latin1');
  const f = newPerfLineFields();
  parsePerfScriptLine(b, 0, b.length, f);
  const t = (s: number, e: number) => b.subarray(s, e).toString('latin1');
  return { f, comm: t(f.commStart, f.commEnd), event: t(f.eventStart, f.eventEnd), name: t(f.nameStart, f.eventEnd), body: t(f.bodyStart, b.length).trim() };
}

describe('perf script line', () => {
  it('reads the default fields comm,tid,cpu,time,event,trace', () => {
    const p = parse('            perf    42 [000]     9.405347:                 lock:lock_acquire: 0xffffffff81ac04e0 read rcu_read_lock');
    expect(p.f.type).toBe(0);
    expect([p.comm, p.f.tid, p.f.cpu, p.f.tsNs]).toEqual(['perf', 42, 0, 9_405_347_000]);
    expect([p.event, p.name, p.body]).toEqual(['lock:lock_acquire', 'lock_acquire', '0xffffffff81ac04e0 read rcu_read_lock']);
  });

  it('reads --ns times, pid/tid, a period column and comms with spaces and digits', () => {
    const ns = parse('     kworker/0:1 9 [001] 11.751031123: lock:lock_release: 0xffffffffa00026f0 lr_mutex_a');
    expect([ns.comm, ns.f.tid, ns.f.cpu, ns.f.tsNs]).toEqual(['kworker/0:1', 9, 1, 11_751_031_123]);
    const pt = parse('            perf    42/43 [003]     9.405347:          1 lock:lock_release: 0xffff lock');
    expect([pt.comm, pt.f.tid, pt.f.cpu, pt.event, pt.body]).toEqual(['perf', 43, 3, 'lock:lock_release', '0xffff lock']);
    const sp = parse('  Web Content 2 7 [000]     1.000001: workqueue:workqueue_execute_end: work struct 0xffff: function f');
    expect([sp.comm, sp.f.tid, sp.name]).toEqual(['Web Content 2', 7, 'workqueue_execute_end']);
  });

  it('tells headers, lost records, unresolved tasks and garbage apart', () => {
    expect(parse('# ========').f.type).toBe(1);
    const lost = parse('        kthreadd    49 [001]    11.673903: PERF_RECORD_LOST lost 334');
    expect([lost.f.type, lost.f.cpu, lost.f.lostCount]).toEqual([2, 1, 334]);
    expect(parse('             :-1    -1 [000]    11.567625:                 lock:lock_acquire: 0xffffffff81a061d8 pidmap_lock').f.type).toBe(3);
    expect(parse('not a perf line at all').f.type).toBe(-1);
  });

  it('reads PERF_RECORD_LOST_SAMPLES with or without a count, and a loss of a task perf never resolved', () => {
    const samples = parse('            perf    42 [000]    12.000001: PERF_RECORD_LOST_SAMPLES lost 7');
    expect([samples.f.type, samples.f.cpu, samples.f.lostCount, samples.f.tsNs]).toEqual([2, 0, 7, 12_000_001_000]);
    const bare = parse('            perf    42 [003]    12.000002: PERF_RECORD_LOST_SAMPLES');
    expect([bare.f.type, bare.f.cpu, bare.f.lostCount]).toEqual([2, 3, 0]);
    // a loss still counts when its sample header has no task (tid -1)
    const orphan = parse('             :-1    -1 [001]    12.000003: PERF_RECORD_LOST lost 9');
    expect([orphan.f.type, orphan.f.cpu, orphan.f.lostCount]).toEqual([2, 1, 9]);
    // only the whole word: another record type that merely starts alike is not a loss
    expect(parse('            perf    42 [000]    12.000004: PERF_RECORD_LOSTLESS x').f.type).toBe(-1);
  });
});

/** Lines of perf script text, each with its newline, through one decoder frame. */
const decodeLines = (lines: string[]) => new PerfScriptDecoder(0, 1 << 20).decode(Buffer.from(lines.join('\n') + '\n'), 1);

describe('perf script decoder', () => {
  it('decodes lock and workqueue events without irq flags, counts the rest', () => {
    const text = [
      '# header',
      '            perf    42 [000]     9.405347:                 lock:lock_acquire: 0xa try read rcu_read_lock',
      '            perf    42 [000]     9.405348:           lock:contention_begin: 0xa (flags=SPIN)',
      '            perf    42 [000]     9.405349:                 lock:lock_release: 0xa rcu_read_lock',
      '            perf    42 [000]     9.405350:                 lock:lock_release: malformed',
      '     kworker/0:1     9 [001]     9.405351: workqueue:workqueue_execute_start: work struct 0xffff8880: function vmstat_update',
    ];
    const d = decodeLines(text);
    const b = d.batch;
    expect(b.length).toBe(3);
    expect([...b.kind]).toEqual([EventKind.Acquire, EventKind.Release, EventKind.WqStart]);
    expect([...b.pos]).toEqual([2, 4, 6]);
    expect([...b.irq].every((x) => x === IrqBits.NoFlags)).toBe(true);
    expect(b.lockFlags[0]).toBe(LockFlags.Try | LockFlags.Read);
    expect(b.strings[b.name[0] - b.stringsFrom]).toBe('rcu_read_lock');
    expect(d.stats).toMatchObject({ lines: 6, otherEvents: 1, headerLines: 1 });
    expect(d.warnings.counts).toContainEqual(['unparsed-line', 1]);
  });

  it('callchain lines: address, symbol and dso, or the address alone (-F ip); a line of no such shape is unparsed', () => {
    const text = [
      '            perf    42 [000]     9.405347:                 lock:lock_acquire: 0xa rcu_read_lock',
      '\tffffffff8108177f lock_acquire+0x71 ([kernel.kallsyms])',
      '\t    ffffffff813851a1',
      '\tffffffff810a4e36\r',
      '\tzzzz not_an_address',
      '            perf    42 [000]     9.405349:                 lock:lock_release: 0xa rcu_read_lock',
    ];
    const d = decodeLines(text);
    const b = d.batch, str = (k: number) => b.strings[b.name[k] - b.stringsFrom];
    expect([...b.kind]).toEqual([EventKind.Acquire, EventKind.Stack, EventKind.StackFrame, EventKind.StackFrame, EventKind.StackFrame, EventKind.Release]);
    expect([str(2), str(3), str(4)]).toEqual(['ffffffff8108177f lock_acquire+0x71 ([kernel.kallsyms])', 'ffffffff813851a1', 'ffffffff810a4e36']);
    const unparsed = d.warnings.first.find(([k]) => k === 'unparsed-line');
    expect(d.warnings.counts).toContainEqual(['unparsed-line', 1]);
    expect(unparsed![1][0].pos).toBe(5);
  });

  it('a last line without its newline is a truncated record (line and byte offset), never a short event', () => {
    const whole = '            perf    42 [000]     9.405347:                 lock:lock_release: 0xffffffffa00026f0 lr_mutex_a\n';
    const cut = '            perf    42 [000]     9.405348:                 lock:lock_acquire: 0xffffffffa0002650 lr_mut';
    const d = new PerfScriptDecoder(0, 1 << 20).decode(Buffer.from(whole + cut), 1, 1000);
    expect(d.batch.length).toBe(1); // the stub would have been a lock class "lr_mut"
    expect(d.stats.lines).toBe(2);
    expect(d.warnings.counts).toEqual([['truncated-record', 1]]);
    const [loc] = d.warnings.first[0][1];
    expect(loc.pos).toBe(2);
    expect(loc.detail).toBe(`last line has no newline (${cut.length} bytes at byte ${1000 + whole.length}; input cut off?)`);
    // blank residue after the last newline is not a record
    expect(new PerfScriptDecoder(0, 1 << 20).decode(Buffer.from(whole + '  '), 1).warnings.counts).toEqual([]);
    // nor is a complete last line
    expect(new PerfScriptDecoder(0, 1 << 20).decode(Buffer.from(whole), 1).warnings.counts).toEqual([]);
  });

  it('through the pipeline, the truncated record carries its byte offset in the whole input, across frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-perf-trunc-'));
    try {
      const body = readFileSync(FIXTURE);
      const cut = '            perf    42 [000]    99.000001:                 lock:lock_release: 0xffffffffa00026f0 lr_mut';
      const file = join(dir, 'cut.txt');
      writeFileSync(file, Buffer.concat([body, Buffer.from(cut)]));
      const lines = body.toString('latin1').split('\n').length; // the cut line's number (body ends with a newline)
      const whole = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [FIXTURE] });
      const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, frameBytes: 4096, inputs: [file] });
      const w = r.warnings.find((x) => x.kind === 'truncated-record');
      expect(w?.count).toBe(1);
      expect(w?.first[0]).toMatchObject({ line: lines, detail: `last line has no newline (${cut.length} bytes at byte ${body.length}; input cut off?)` });
      expect(r.stats.events).toBe(whole.stats.events);
      expect(r.stats.classes).toBe(whole.stats.classes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is detected as perf-script', () => {
    expect(detectFormat(readFileSync(FIXTURE).subarray(0, 65536))?.format).toBe('perf-script');
    expect(detectFormat(Buffer.from('            perf    42/42 [000]     9.405347:                 lock:lock_acquire: 0xa x\n'))?.format).toBe('perf-script');
  });

  it('replays lr1_abba taking lr_mutex_a then lr_mutex_b (fixture cut from abba/perf_rerun)', async () => {
    const deps = await replayDependencies([FIXTURE]);
    expect(deps).toContainEqual({ from: 'lr_mutex_a', to: 'lr_mutex_b' });
  });
});

describe('perf script --show-lost-events (fixture cut from abba/perf_rerun, traces/README.md)', () => {
  it('decodes PERF_RECORD_LOST as a lost-events marker: counted in stats, warnings and the input summary', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [LOST_FIXTURE] });
    expect(r.stats).toMatchObject({ lostEvents: 23, lostMarkers: 1 });
    const w = r.warnings.find((x) => x.kind === 'lost-events');
    expect(w?.count).toBe(1);
    expect(w?.first[0]).toMatchObject({ line: 174, detail: 'CPU 1: 23 events lost' });
    expect(r.inputs[0].notes).toContain('perf lost records: 1 PERF_RECORD_LOST line(s), 23 record(s) lost; every lock held at a loss is uncertain from there on');
  });

  it('applies the replay\'s uncertainty rules: what rests on the lock held across the loss is refuted once that lock is seen taken again', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [LOST_FIXTURE] });
    // &xa->xa_lock was held when 23 records (its release among them) were lost. The same task then takes
    // that very lock again and obtains it (lock_acquired): the held entry was stale, and what rested on it
    // is refuted (mutual exclusion of a real lock), not left unverified.
    const rec = r.findings.find((f) => f.kind === 'recursive-locking');
    expect(rec).toMatchObject({ verdict: 'benign', classes: ['&xa->xa_lock'] });
    expect(rec!.reason).toMatch(/^refuted: the first acquisition was held across lost events/);
    const cyc = r.findings.find((f) => f.kind === 'circular-dependency');
    expect(cyc?.verdict).toBe('benign');
    expect(cyc!.reason).toMatch(/^refuted: &xa->xa_lock -> &f->f_pos_lock was recorded only from held entries later shown released unseen/);
    expect(r.warnings.find((w) => w.kind === 'stale-held-dropped')?.count).toBe(1);
  });
});

describe.skipIf(!existsSync(ABBA_PERF))('perf script, real abba/perf_rerun capture', () => {
  it('is detected and every lock_acquire line with a known task becomes an acquire', async () => {
    const text = execFileSync('xz', ['-dc', ABBA_PERF], { maxBuffer: 1 << 30 }).toString('latin1');
    expect(detectFormat(Buffer.from(text.slice(0, 65536), 'latin1'))?.format).toBe('perf-script');
    const lines = text.split('\n');
    const acquires = lines.filter((l) => l.includes(' lock:lock_acquire: ') && !/^\s*:-1\s+-1 /.test(l)).length;
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [ABBA_PERF] });
    expect(r.stats.acquires).toBe(acquires);
  });

  it('has lr_mutex_a -> lr_mutex_b; lr2_abba\'s acquires of B then A were lost by perf: A is recovered from its lock_acquired, B released unheld', async () => {
    const deps = await replayDependencies([ABBA_PERF]);
    expect(deps).toContainEqual({ from: 'lr_mutex_a', to: 'lr_mutex_b' });
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [ABBA_PERF] });
    const unheld = r.observations.find((w) => w.kind === 'unheld-release');
    expect(unheld?.first.map((f) => f.detail)).toEqual(expect.arrayContaining(['lr_mutex_b']));
    const recovered = r.observations.find((w) => w.kind === 'recovered-acquire');
    expect(recovered?.first.map((f) => f.detail)).toEqual(expect.arrayContaining(['lr_mutex_a']));
  });
});

describe.skipIf(!existsSync(NONE_PERF))('perf script, real none capture', () => {
  it('is detected as perf-script', async () => {
    const head = execFileSync('sh', ['-c', `xz -dc '${NONE_PERF}' | head -c 65536`]);
    expect(detectFormat(head)?.format).toBe('perf-script');
  });
});
