/**
 * Where trace.dat's lost-event signals land in the event stream, and what the
 * replay makes of them (src/decode/tracedat/cpuMerge.ts). The v6 fixture's
 * pages are rewritten with RB_MISSED_EVENTS / RB_MISSED_STORED in their commit
 * word, as ring_buffer_read_page() sets them after an overwrite:
 * - a flagged page inside a stream is a gap: a GapStart Lost right after the
 *   CPU's previous record, a counted Lost right before the page's first record;
 * - every CPU's first record gets `buffer started` before it, flagged or not,
 *   except the first record of the whole trace (test_cpu_buff_start());
 * - a flagged empty last page is a counted Lost after the CPU's last record.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RandomAccess } from '../../src/decode/tracedat/randomAccess.ts';
import { readTraceDatMeta } from '../../src/decode/tracedat/traceDatMeta.ts';
import { BatchBuilder } from '../../src/model/batch.ts';
import { EventKind, LostFlags } from '../../src/model/eventKind.ts';
import { GlobalStrings } from '../../src/model/globalStrings.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer } from '../../src/replay/replayer.ts';
import { buildResult } from '../../src/report/result.ts';
import { completeAnalysis } from '../../src/analysis/completeAnalysis.ts';
import { Warnings } from '../../src/decode/warnings.ts';
import { emptyStats } from '../../src/decode/decoder.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { decodeAll, V6, type Ev } from './tracedatHelpers.ts';

const MISSED_EVENTS = 0x80000000, MISSED_STORED = 0x40000000, COMMIT_MASK = (1 << 27) - 1;
const PAGE = 4096, DATA = 16; // u64 timestamp, u64 commit, then the events (8-byte longs)

const file = RandomAccess.reopen(V6, V6);
const lr = readTraceDatMeta(file).instances.find((b) => b.name === 'lr')!;
file.close();
const pagesOf = (cpu: number) => {
  const c = lr.cpus.find((x) => x.cpu === cpu)!;
  return Array.from({ length: c.size / PAGE }, (_, k) => c.offset + k * PAGE);
};

const dir = mkdtempSync(join(tmpdir(), 'lr-tracedat-loss-'));
let n = 0;
/** The fixture with the given pages flagged (count undefined = not stored); returns the file's path. */
function flagged(pages: { at: number; count?: number; empty?: boolean }[]): string {
  const b = Buffer.from(readFileSync(V6));
  for (const { at, count, empty } of pages) {
    let size = b.readUInt32LE(at + 8) & COMMIT_MASK;
    if (empty) size = 0;
    let flags = MISSED_EVENTS;
    if (count !== undefined) {
      expect(DATA + size + 8).toBeLessThanOrEqual(PAGE);
      b.writeBigUInt64LE(BigInt(count), at + DATA + size);
      flags |= MISSED_STORED;
    }
    b.writeUInt32LE((size | flags) >>> 0, at + 8);
  }
  const p = join(dir, `flagged${n++}.dat`);
  writeFileSync(p, b);
  return p;
}

const isRecord = (e: Ev) => e.kind !== 'lost' && e.kind !== 'buffer-started';

describe('trace.dat lost-event markers', async () => {
  const all = (await decodeAll(V6)).events;
  const base = all.filter(isRecord);
  const cpu1 = pagesOf(1), cpu0 = pagesOf(0);
  // the trace's first record is CPU 1's (trace-cmd report's first line is on [001])
  expect(base[0].cpu).toBe(1);

  it('a flagged page inside a stream: uncertainty from the gap start, counted once at its end', async () => {
    const at = cpu1[3];
    const { events } = await decodeAll(flagged([{ at, count: 1234 }]));
    expect(events.filter(isRecord)).toEqual(base);
    const marks = events.map((e, i) => [e, i] as const).filter(([e]) => e.kind === 'lost');
    expect(marks.map(([e]) => [e.kind, e.cpu, e.flags, e.aux, e.pos])).toEqual([
      ['lost', 1, LostFlags.CpuExact | LostFlags.GapStart, 1234, at],
      ['lost', 1, LostFlags.CpuExact, 1234, at],
    ]);
    const [[, startIdx], [, endIdx]] = marks;
    // the gap starts right after CPU 1's last record before the page, at its timestamp
    const before = events[startIdx - 1];
    expect(before.cpu).toBe(1);
    expect(before.pos).toBeLessThan(at);
    expect(events[startIdx].ts).toBe(before.ts);
    // other CPUs' records run on inside the gap; it ends right before the page's first record
    expect(events.slice(startIdx + 1, endIdx).every((e) => e.cpu !== 1)).toBe(true);
    const after = events[endIdx + 1];
    expect(after.cpu).toBe(1);
    expect(after.pos).toBeGreaterThanOrEqual(at);
    expect(after.pos).toBeLessThan(at + PAGE);
    expect(events[endIdx].ts).toBe(after.ts);
  });

  it('a flagged page without a stored count: the count is unknown (0)', async () => {
    const { events } = await decodeAll(flagged([{ at: cpu0[2] }]));
    expect(events.filter((e) => e.kind === 'lost').map((e) => [e.kind, e.cpu, e.flags, e.aux])).toEqual([
      ['lost', 0, LostFlags.CpuExact | LostFlags.GapStart, 0],
      ['lost', 0, LostFlags.CpuExact, 0],
    ]);
  });

  it('consecutive flagged pages with no record between them are one gap', async () => {
    const { events } = await decodeAll(flagged([{ at: cpu0[2], count: 5, empty: true }, { at: cpu0[3], count: 7 }]));
    expect(events.filter((e) => e.kind === 'lost').map((e) => [e.kind, e.flags, e.aux])).toEqual([
      ['lost', LostFlags.CpuExact | LostFlags.GapStart, 12],
      ['lost', LostFlags.CpuExact, 12],
    ]);
  });

  it('"buffer started" comes before each CPU\'s first record except the trace\'s first, whether its first page is flagged or not', async () => {
    // CPU 1 holds the trace's first record: nothing before it can be affected (test_cpu_buff_start(): iter->idx > 1)
    const k = all.findIndex((e) => e.kind === 'buffer-started');
    expect(all.filter((e) => !isRecord(e)).map((e) => [e.kind, e.cpu])).toEqual([['buffer-started', 0]]);
    expect(all.findIndex((e) => e.cpu === 0 && isRecord(e))).toBe(k + 1);
    expect(all[k].ts).toBe(all[k + 1].ts);
    // a flagged first page (overwritten before trace-cmd read it) gives the same marker and no Lost
    expect((await decodeAll(flagged([{ at: cpu0[0] }]))).events).toEqual(all);
    expect((await decodeAll(flagged([{ at: cpu1[0] }]))).events).toEqual(all);
  });

  it('a flagged empty last page: events lost after the CPU\'s last record, counted right after it', async () => {
    const last = cpu0[cpu0.length - 1];
    const { events } = await decodeAll(flagged([{ at: last, count: 3, empty: true }]));
    const k = events.findIndex((e) => e.kind === 'lost');
    expect(events.filter((e) => e.kind === 'lost').map((e) => [e.kind, e.cpu, e.flags, e.aux])).toEqual([['lost', 0, LostFlags.CpuExact, 3]]);
    const lastCpu0 = events.map((e, i) => [e, i] as const).filter(([e]) => e.cpu === 0 && isRecord(e)).pop()!;
    expect(lastCpu0[1]).toBe(k - 1);
    expect(events[k].ts).toBe(lastCpu0[0].ts);
  });

  it('the markers are the same from the decode worker and at any frame size', async () => {
    const p = flagged([{ at: cpu1[3], count: 1234 }, { at: cpu0[0], count: 1 }]);
    const main = (await decodeAll(p)).events;
    expect((await decodeAll(p, { workers: 2, workerMinBytes: 0, frameBytes: 1024 })).events).toEqual(main);
    expect((await decodeAll(p, { frameBytes: 64 })).events).toEqual(main);
  });

  it('the report counts a gap once and buffer starts like the ftrace text path', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [flagged([{ at: cpu1[3], count: 1234 }, { at: cpu0[0], count: 1 }])] });
    expect(r.stats.lostMarkers).toBe(1);
    expect(r.stats.lostEvents).toBe(1234);
    expect(r.stats.bufferStarts).toBe(1);
    expect(r.warnings.find((w) => w.kind === 'lost-events')?.count).toBe(1);
  });

  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});

/**
 * The replay side of a gap's start: task 10 holds A (acquired on CPU 1), CPU 1
 * loses events, task 10 shows up on CPU 0 and takes B. Its release of A may be
 * among the lost events, so A -> B is not proof: the A/B cycle that task 20
 * closes is `unverified`. Without the GapStart marker (the text formats, which
 * only mark a gap's end) it would be a deadlock.
 */
describe('a gap start makes held state uncertain without being counted', () => {
  function replay(withGapStart: boolean) {
    const strings = new GlobalStrings();
    const r = new Replayer(strings, DEFAULT_REPLAY_OPTIONS);
    const out = new BatchBuilder(64);
    const id = (s: string) => strings.intern(s);
    let ts = 1e9;
    const lock = (kind: number, cpu: number, pid: number, name: string) => {
      const i = out.push(kind, (ts += 1000), cpu, pid, 0, ts);
      out.name[i] = id(name);
      out.addr[i] = id(`0xaddr-${name}`);
      out.comm[i] = id(`task${pid}`);
    };
    const lost = (cpu: number, count: number, flags: number) => {
      const i = out.push(EventKind.Lost, (ts += 1000), cpu, -1, 0, ts);
      out.aux[i] = count;
      out.lockFlags[i] = flags;
    };
    lock(EventKind.Acquire, 1, 10, 'A');
    // as the decoder marks them: of CPU 1's buffer only, which still taints every task (tasks migrate)
    if (withGapStart) lost(1, 7, LostFlags.GapStart | LostFlags.CpuExact);
    lock(EventKind.Acquire, 0, 10, 'B');
    lock(EventKind.Release, 0, 10, 'B');
    lost(1, 7, LostFlags.CpuExact);
    lock(EventKind.Release, 0, 10, 'A');
    lock(EventKind.Acquire, 0, 20, 'B');
    lock(EventKind.Acquire, 0, 20, 'A');
    lock(EventKind.Release, 0, 20, 'A');
    lock(EventKind.Release, 0, 20, 'B');
    r.replay(out.finish(0, 0, 0, []));
    r.finish();
    const warnings = new Warnings();
    warnings.merge(r.warnings.serialize());
    const inputs = [{ name: 'synthetic', positions: 'byte' as const, format: 'trace-dat', compression: 'none', bytes: 0 }];
    return completeAnalysis(buildResult(r, inputs, emptyStats(), warnings), r, undefined);
  }

  it('the cycle is unverified with the gap start, a deadlock without it; the gap is counted once either way', () => {
    const withStart = replay(true), endOnly = replay(false);
    const verdicts = (res: typeof withStart) => res.findings.filter((f) => f.kind === 'circular-dependency').map((f) => [f.classes.join(' '), f.verdict]);
    expect(verdicts(withStart)).toEqual([['A B', 'unverified']]);
    expect(verdicts(endOnly)).toEqual([['A B', 'deadlock']]);
    for (const res of [withStart, endOnly]) {
      expect(res.stats.lostMarkers).toBe(1);
      expect(res.stats.lostEvents).toBe(7);
    }
  });
});
