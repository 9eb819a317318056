import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { newPerfLineFields, parsePerfScriptLine } from '../../src/decode/perf/perfScriptLine.ts';
import { PerfScriptDecoder } from '../../src/decode/perf/perfScriptDecoder.ts';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import { EventKind, IrqBits, LockFlags } from '../../src/model/eventKind.ts';
import { replayDependencies } from '../../src/cli/commands/compareLockdep.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = `${root}traces/perf-script-abba-lr1.txt`;
const SHARED = `${root}../shared/traces`;
const ABBA_PERF = `${SHARED}/abba/perf_rerun/perf-script.txt.xz`;
const NONE_PERF = `${SHARED}/none/perf-script.txt.xz`;

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
});

describe('perf script decoder', () => {
  it('decodes lock and workqueue events without irq flags, counts the rest', () => {
    const text = [
      '# header',
      '            perf    42 [000]     9.405347:                 lock:lock_acquire: 0xa try read rcu_read_lock',
      '            perf    42 [000]     9.405348:           lock:contention_begin: 0xa (flags=SPIN)',
      '            perf    42 [000]     9.405349:                 lock:lock_release: 0xa rcu_read_lock',
      '            perf    42 [000]     9.405350:                 lock:lock_release: malformed',
      '     kworker/0:1     9 [001]     9.405351: workqueue:workqueue_execute_start: work struct 0xffff8880: function vmstat_update',
    ].join('\n') + '\n';
    const d = new PerfScriptDecoder(0, 1 << 20).decode(Buffer.from(text), 1);
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

  it('is detected as perf-script', () => {
    expect(detectFormat(readFileSync(FIXTURE).subarray(0, 65536))?.format).toBe('perf-script');
    expect(detectFormat(Buffer.from('            perf    42/42 [000]     9.405347:                 lock:lock_acquire: 0xa x\n'))?.format).toBe('perf-script');
  });

  it('replays lr1_abba taking lr_mutex_a then lr_mutex_b (fixture cut from abba/perf_rerun)', async () => {
    const deps = await replayDependencies([FIXTURE]);
    expect(deps).toContainEqual({ from: 'lr_mutex_a', to: 'lr_mutex_b' });
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

  it('has lr_mutex_a -> lr_mutex_b; the lr2_abba acquires of B then A were lost by perf (releases arrive unheld)', async () => {
    const deps = await replayDependencies([ABBA_PERF]);
    expect(deps).toContainEqual({ from: 'lr_mutex_a', to: 'lr_mutex_b' });
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [ABBA_PERF] });
    const unheld = r.warnings.find((w) => w.kind === 'unheld-release');
    expect(unheld?.first.map((f) => f.detail)).toEqual(expect.arrayContaining(['lr_mutex_a', 'lr_mutex_b']));
  });
});

describe.skipIf(!existsSync(NONE_PERF))('perf script, real none capture', () => {
  it('is detected as perf-script', async () => {
    const head = execFileSync('sh', ['-c', `xz -dc '${NONE_PERF}' | head -c 65536`]);
    expect(detectFormat(head)?.format).toBe('perf-script');
  });
});
