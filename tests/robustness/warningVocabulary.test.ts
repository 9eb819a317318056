/**
 * The warning vocabulary of the hostile-input issue, per decoder: every kind it
 * names is raised by each decoder where it applies, counted, with its first
 * location in that decoder's unit (line for text, byte for trace.dat), shown in
 * the text report and the JSON report. Kinds that mean damage are warnings and
 * `--strict` turns any of them into exit 2; kinds every real capture shows
 * (normal kernel behaviour, the window's edges: OBSERVATION_KINDS) are
 * observations, listed the same way, and never fail `--strict`.
 *
 * Where a kind does not apply:
 *  - unknown-event: text formats name every event, and events of other
 *    tracepoints (sched_switch, lock:contention_begin, ...) are skipped by
 *    design and counted in stats.otherEvents; a lock event whose body cannot be
 *    read is an unparsed-line. Only trace.dat can carry an event whose format
 *    lacks the fields lockreplay needs.
 *  - truncated-record in trace.dat: sizes are known up front, so a cut file is
 *    an input error (exit 2) naming the byte (tests/decode/tracedat.test.ts,
 *    "trace.dat damage"), not a recoverable warning.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { renderText } from '../../src/report/text.ts';
import { renderJson } from '../../src/report/json.ts';
import type { ReplayResult } from '../../src/report/result.ts';
import { OBSERVATION_KINDS, WARNING_KINDS } from '../../src/decode/warnings.ts';
import { openInput } from '../../src/io/openInput.ts';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import { decodeTraceDat } from '../../src/decode/tracedat/decodeTraceDat.ts';
import { EventKind } from '../../src/model/eventKind.ts';
import type { DecodeContext } from '../../src/decode/decodeContext.ts';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { ROOT, assertCleanStderr, runCli } from './cli.ts';

/** The kinds the issue asks for, by the names lockreplay uses. */
const ISSUE_KINDS = [
  'unparsed-line', 'unknown-event', 'out-of-order-timestamp', 'unheld-release', 'out-of-order-release',
  'held-at-end', 'lost-events', 'truncated-record', 'duplicate-acquire',
] as const;
type Kind = (typeof ISSUE_KINDS)[number];

const dir = mkdtempSync(join(tmpdir(), 'lr-vocabulary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(bytes: Buffer | string, ext = 'txt'): string {
  const p = join(dir, `case${n++}.${ext}`);
  writeFileSync(p, bytes);
  return p;
}

interface Case {
  kind: Kind;
  input: () => string | Promise<string>;
  count: number;
  /** First location: a line, a byte, or the end of the capture; 'byte' = some byte offset (it depends on a patch). */
  at: { line: number } | { byte: number } | 'end' | 'byte';
}

async function check(c: Case): Promise<ReplayResult> {
  const path = await c.input();
  const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path] });
  const observed = OBSERVATION_KINDS.has(c.kind);
  const list = observed ? r.observations : r.warnings;
  expect((observed ? r.warnings : r.observations).find((x) => x.kind === c.kind)).toBeUndefined();
  const w = list.find((x) => x.kind === c.kind);
  expect(w, `${c.kind} in ${path}`).toBeDefined();
  expect(w!.count).toBe(c.count);
  const at = c.at === 'byte' ? { byte: w!.first[0].byte! } : c.at;
  if (at === 'end') expect(w!.first[0].input).toBe('(end of capture)');
  else expect(w!.first[0]).toMatchObject({ input: path, ...at });
  if (c.at === 'byte') expect(w!.first[0].byte).toBeGreaterThan(0);
  // shown in the text report (count, then the first location) and in the JSON report
  const text = renderText(r);
  expect(text).toContain(`  ${c.kind}: ${c.count} — `);
  const where = at === 'end' ? '(end of capture)' : 'line' in at ? `${path}:${at.line}` : `${path} byte ${at.byte}`;
  expect(text).toContain(`      at ${where}`);
  const json = JSON.parse(renderJson(r)) as ReplayResult;
  expect((observed ? json.observations : json.warnings).find((x) => x.kind === c.kind)).toEqual(w);
  return r;
}

describe('the vocabulary', () => {
  it('has every kind the issue names, each with a text', () => {
    for (const k of ISSUE_KINDS) expect(WARNING_KINDS).toContain(k);
  });
});

// ------------------------------------------------------------ ftrace text

const t1 = task('lr_voc', 100, 0);
const H = 12; // MiniTrace header lines: the first event is line 13

const FTRACE: Case[] = [
  { kind: 'unparsed-line', input: () => file(new MiniTrace().touch(t1, 'A').raw('this is not a trace line').text()), count: 1, at: { line: H + 3 } },
  { kind: 'out-of-order-timestamp', input: () => file(new MiniTrace().setTime(20).touch(t1, 'A').setTime(10).touch(t1, 'B').text()), count: 2, at: { line: H + 3 } },
  { kind: 'unheld-release', input: () => file(new MiniTrace().rel(t1, 'A').text()), count: 1, at: { line: H + 1 } },
  { kind: 'out-of-order-release', input: () => file(new MiniTrace().acq(t1, 'A').acq(t1, 'B').rel(t1, 'A').rel(t1, 'B').text()), count: 1, at: { line: H + 3 } },
  { kind: 'held-at-end', input: () => file(new MiniTrace().acq(t1, 'A').acq(t1, 'B').text()), count: 2, at: 'end' },
  { kind: 'lost-events', input: () => file(new MiniTrace().acq(t1, 'A').raw('CPU:0 [LOST 5 EVENTS]').rel(t1, 'A').text()), count: 1, at: { line: H + 2 } },
  { kind: 'truncated-record', input: () => file(new MiniTrace().touch(t1, 'A').acq(t1, 'B').text().slice(0, -4)), count: 1, at: { line: H + 3 } },
  { kind: 'duplicate-acquire', input: () => file(new MiniTrace().acq(t1, 'A').acq(t1, 'A').rel(t1, 'A').rel(t1, 'A').text()), count: 1, at: { line: H + 2 } },
];

describe('ftrace text', () => {
  for (const c of FTRACE) it(c.kind, () => check(c));

  it('other tracepoints are other events, not unknown-event warnings', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [file(new MiniTrace().event(t1, 'sched_switch', 'prev_comm=a').touch(t1, 'A').text())] });
    expect(r.stats.otherEvents).toBe(1);
    expect(r.warnings).toEqual([]);
  });
});

// ------------------------------------------------------------ perf script

/** perf script's sample header (comm, tid, cpu, time) for task perf/42 on CPU 0. */
function perfHead(us: number): string {
  const ts = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  return `${'perf'.padStart(16)} ${'42'.padStart(5)} [000] ${ts.padStart(12)}:`;
}
/** A `perf script` line in perf's default layout (comm,tid,cpu,time,event,trace). */
const perfLine = (us: number, event: string, body: string) => `${perfHead(us)} ${event.padStart(26)}: ${body}`;
const acq = (us: number, name: string, addr = `0xffffffffa000${name.charCodeAt(0).toString(16)}0`) => perfLine(us, 'lock:lock_acquire', `${addr} ${name}`);
const rel = (us: number, name: string, addr = `0xffffffffa000${name.charCodeAt(0).toString(16)}0`) => perfLine(us, 'lock:lock_release', `${addr} ${name}`);
const perf = (...lines: string[]) => file(lines.join('\n') + '\n');

const PERF: Case[] = [
  { kind: 'unparsed-line', input: () => perf(acq(10_000_001, 'A'), 'this is not a perf line', rel(10_000_002, 'A')), count: 1, at: { line: 2 } },
  { kind: 'out-of-order-timestamp', input: () => perf(acq(10_000_005, 'A'), rel(10_000_001, 'A')), count: 1, at: { line: 2 } },
  { kind: 'unheld-release', input: () => perf(rel(10_000_001, 'A')), count: 1, at: { line: 1 } },
  { kind: 'out-of-order-release', input: () => perf(acq(10_000_001, 'A'), acq(10_000_002, 'B'), rel(10_000_003, 'A'), rel(10_000_004, 'B')), count: 1, at: { line: 3 } },
  { kind: 'held-at-end', input: () => perf(acq(10_000_001, 'A')), count: 1, at: 'end' },
  {
    kind: 'lost-events',
    input: () => perf(acq(10_000_001, 'A'), `${perfHead(10_000_002)} PERF_RECORD_LOST lost 23`, rel(10_000_003, 'A')),
    count: 1, at: { line: 2 },
  },
  { kind: 'truncated-record', input: () => file(acq(10_000_001, 'A') + '\n' + rel(10_000_002, 'A').slice(0, -3)), count: 1, at: { line: 2 } },
  { kind: 'duplicate-acquire', input: () => perf(acq(10_000_001, 'A'), acq(10_000_002, 'A'), rel(10_000_003, 'A'), rel(10_000_004, 'A')), count: 1, at: { line: 2 } },
];

describe('perf script', () => {
  for (const c of PERF) it(c.kind, () => check(c));

  it('events of other tracepoints, lock:contention_begin included, are other events, not unknown-event warnings', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [perf(perfLine(10_000_001, 'lock:contention_begin', '0xffff (flags=SPIN)'), perfLine(10_000_002, 'sched:sched_switch', 'x'))] });
    expect(r.stats.otherEvents).toBe(2);
    // No unknown-event; only that the capture has no lock events at all.
    expect(r.warnings.map((w) => w.kind)).toEqual(['no-lock-events']);
  });
});

// ------------------------------------------------------------ trace.dat

const V6 = join(ROOT, 'traces/abba-cut.v6.dat');
const fixture = readFileSync(V6);

interface Rec { kind: number; cpu: number; pid: number; name: string; pos: number; data: number; len: number }

/** The fixture's records in replay order, with where each one's data lies in the file (v6: uncompressed pages). */
async function records(): Promise<Rec[]> {
  const input = await openInput(V6);
  const ctx: DecodeContext = {
    index: 0, input, detection: detectFormat(input.head)!, frameBytes: 4 << 20, maxLineBytes: 1 << 20, workers: 1,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  const texts = [''];
  const out: Rec[] = [];
  for await (const f of decodeTraceDat(ctx)) {
    const b = f.batch;
    texts.push(...b.strings);
    for (let i = 0; i < b.length; i++) {
      const pos = b.pos[i], h = fixture.readUInt32LE(pos), typeLen = h & 31;
      // ring-buffer event header: type_len 0 = length in the next word (kernel/trace/ring_buffer.c)
      const [data, len] = typeLen === 0 ? [pos + 8, fixture.readUInt32LE(pos + 4) - 4] : [pos + 4, typeLen * 4];
      out.push({ kind: b.kind[i], cpu: b.cpu[i], pid: b.pid[i], name: texts[b.name[i]], pos, data, len });
    }
  }
  return out;
}

/** The byte offset of the last page of the last CPU's data and of its commit word (as tests/decode/tracedat.test.ts). */
const LAST_PAGE = fixture.length - 4096;

function patched(edit: (b: Buffer) => void): string {
  const b = Buffer.from(fixture);
  edit(b);
  return file(b, 'dat');
}

const TRACEDAT: Case[] = [
  {
    kind: 'unparsed-line',
    // the first lock_acquire's __data_loc name made to run past the record: "record shorter than its format says"
    input: async () => {
      const r = (await records()).find((x) => x.kind === EventKind.Acquire)!;
      const nameAt = fixture.indexOf(Buffer.from(r.name + '\0'), r.data);
      const loc = ((r.name.length + 1) << 16) | (nameAt - r.data);
      let k = r.data;
      while (fixture.readUInt32LE(k) !== loc) k += 4;
      return patched((b) => b.writeUInt32LE((0xffff << 16 | (nameAt - r.data)) >>> 0, k));
    },
    count: 1, at: 'byte',
  },
  {
    kind: 'unknown-event',
    // lock_acquired's format without its name field: its events cannot be read, said at each of them (220)
    input: () => patched((b) => {
      const at = b.indexOf('field:__data_loc char[] name;', b.indexOf('name: lock_acquired'));
      b.write('field:__data_loc char[] nxme;', at, 'latin1');
    }),
    count: 220, at: 'byte',
  },
  {
    kind: 'out-of-order-timestamp',
    // the last page of the last CPU stamped at time 0: its events go backwards on that CPU (every one of
    // them, lock_contended/lock_acquired included, until the CPU's clock is back past the last time it showed)
    input: () => patched((b) => b.writeBigUInt64LE(0n, LAST_PAGE)),
    count: 91, at: { byte: LAST_PAGE + 16 },
  },
  // 5 releases of locks taken before the cut; 2 of them are matched by the acquisition recovered from their
  // lock_acquired event (src/replay/lostAcquisitions.ts), so 3 remain unheld
  { kind: 'unheld-release', input: () => V6, count: 3, at: { byte: 24592 } },
  {
    kind: 'out-of-order-release',
    // two adjacent releases of one task swapped (equal record sizes): the outer lock is released first
    input: async () => {
      const recs = await records();
      for (let i = 1; i < recs.length; i++) {
        const a = recs[i - 1], b = recs[i];
        if (a.kind !== EventKind.Release || b.kind !== EventKind.Release || a.pid !== b.pid || a.cpu !== b.cpu) continue;
        if (a.data + a.len !== b.pos || a.len !== b.len || a.name === b.name) continue;
        const acquired = (name: string) => {
          for (let j = i - 2; j >= 0; j--) if (recs[j].kind === EventKind.Acquire && recs[j].pid === a.pid && recs[j].name === name) return j;
          return -1;
        };
        if (acquired(b.name) < 0 || acquired(a.name) < acquired(b.name)) continue;
        return patched((buf) => {
          const x = Buffer.from(buf.subarray(a.data, a.data + a.len));
          buf.copy(buf, a.data, b.data, b.data + b.len);
          x.copy(buf, b.data);
        });
      }
      throw new Error('no adjacent release pair in the fixture');
    },
    count: 1, at: 'byte',
  },
  { kind: 'held-at-end', input: () => V6, count: 12, at: 'end' },
  {
    kind: 'lost-events',
    // RB_MISSED_EVENTS (bit 31 of the page's commit word) on the last page: a loss of unknown size there
    input: () => patched((b) => b.writeUInt32LE((b.readUInt32LE(LAST_PAGE + 8) | 0x80000000) >>> 0, LAST_PAGE + 8)),
    count: 1, at: { byte: LAST_PAGE },
  },
  { kind: 'duplicate-acquire', input: () => V6, count: 2, at: { byte: 42096 } },
];

describe('trace.dat', () => {
  for (const c of TRACEDAT) it(c.kind, () => check(c));
});

// ------------------------------------------------------------ --strict

describe('--strict makes any warning exit 2, for every decoder', () => {
  const inputs: [string, () => string | Promise<string>][] = [
    ['ftrace text', FTRACE.find((c) => c.kind === 'unparsed-line')!.input],
    ['perf script', PERF.find((c) => c.kind === 'lost-events')!.input],
    ['trace.dat', TRACEDAT.find((c) => c.kind === 'lost-events')!.input],
  ];
  for (const [what, input] of inputs) {
    it(what, async () => {
      const path = await input();
      const plain = await runCli(['replay', path]);
      expect(plain.code).toBeLessThan(2); // 1 for the trace.dat fixture: it holds the abba cycle
      const strict = await runCli(['replay', '--strict', path]);
      expect(strict.code).toBe(2);
      assertCleanStderr(strict, false);
    });
  }
});
