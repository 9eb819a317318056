/**
 * perf.data decoder, against `perf script` as the oracle: every shared capture's perf.data
 * (../shared/traces: abba/perf_rerun, none, the three *-stacks/perf) decodes to exactly the events
 * of the `perf script` text shipped beside it (same order, times, CPUs, tasks, comms, bodies, and
 * each event's callchain frame by frame: function+offset from --kallsyms, user frames by address), plus
 * the samples of exiting tasks perf prints with tid -1 (the raw data's common_pid names them).
 * traces/perf-pipe-workqueue.data.xz (pipe mode, a host recording, see traces/README.md) likewise
 * without ../shared. Also: irq bits from common_flags, perf's start-up window, lost records, the
 * verdicts of the real captures, and damaged or tracepoint-less files (one line, exit 2).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInput } from '../../src/io/openInput.ts';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import { DECODERS } from '../../src/decode/registry.ts';
import type { DecodeContext } from '../../src/decode/decodeContext.ts';
import { EVENT_KIND_NAMES, EventKind, IrqBits, LockFlags } from '../../src/model/eventKind.ts';
import { parseStackFrame } from '../../src/model/stackFrame.ts';
import { InputError } from '../../src/model/inputError.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { cli, ROOT, SHARED_TRACES } from '../helpers/cli.ts';

const PIPE = join(ROOT, 'traces/perf-pipe-workqueue.data.xz');
const PIPE_SCRIPT = join(ROOT, 'traces/perf-pipe-workqueue.script.txt.xz');
const NO_TRACEPOINTS = join(ROOT, 'traces/perf-no-tracepoints.data.xz');

interface Decoded {
  rows: string[];
  kinds: number[];
  irq: number[];
  flags: number[];
  notes: string[];
  format: string;
  /** Stack and StackFrame rows. */
  stacks: number;
  frames: number;
}

const decoded = new Map<string, Promise<Decoded>>();
/** decode() once per file and kallsyms (the shared captures are large: the tests share their decodings). */
function decodeOnce(path: string, kallsyms?: string): Promise<Decoded> {
  const key = `${path}\0${kallsyms}`;
  let d = decoded.get(key);
  if (!d) decoded.set(key, (d = decode(path, kallsyms)));
  return d;
}

/**
 * A stack frame as both sides can show it: a kernel frame by function and offset when `symbols` (perf
 * script resolves it from kallsyms, perf.data with --kallsyms), else by address. A user-space frame only
 * as one: perf.data gives its address, perf script prints it relative to its mapping (from the MMAP
 * records, which lockreplay does not follow: it replays kernel locks).
 */
function frameKey(text: string, symbols: boolean): string {
  const a = /^0x([0-9a-f]+)$/.exec(text) ?? /^([0-9a-f]+) /.exec(text);
  if (a && !a[1].startsWith('ffff')) return 'user';
  const f = parseStackFrame(text);
  return symbols && f.func !== undefined ? `${f.func}+${f.off}` : (f.addr ?? `?${text}`);
}

/**
 * Every event of a trace, one comparable line each (time in µs as perf script prints it), with its call
 * stack (the Stack and StackFrame rows after it) as frame keys.
 */
async function decode(path: string, kallsyms?: string, frameBytes = 4 << 20, symbols = true): Promise<Decoded> {
  const input = await openInput(path);
  const detection = detectFormat(input.head)!;
  const ctx: DecodeContext = {
    index: 0, input, detection, frameBytes, maxLineBytes: 1 << 20, workers: 1, kallsyms,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  const texts: string[] = [''];
  const d: Decoded = { rows: [], kinds: [], irq: [], flags: [], notes: [], format: detection.format, stacks: 0, frames: 0 };
  let lastCpu = -1;
  for await (const f of DECODERS[detection.format]!(ctx)) {
    const b = f.batch;
    expect(b.stringsFrom).toBe(texts.length);
    texts.push(...b.strings);
    for (let i = 0; i < b.length; i++) {
      const k = b.kind[i];
      // Call stacks are not events: each goes with the event row before it (the Stack row has its cpu and time).
      if (k === EventKind.Stack) {
        const ev = d.rows.length - 1;
        expect(b.cpu[i], `stack of ${d.rows[ev]}`).toBe(lastCpu);
        d.rows[ev] += ' <=';
        d.stacks++;
        continue;
      }
      if (k === EventKind.StackFrame) {
        d.rows[d.rows.length - 1] += ` ${frameKey(texts[b.name[i]], symbols)}`;
        d.frames++;
        continue;
      }
      lastCpu = b.cpu[i];
      d.kinds.push(k);
      d.irq.push(b.irq[i]);
      d.flags.push(b.lockFlags[i]);
      if (k === EventKind.Lost || k === EventKind.BufferStarted) {
        d.rows.push(`${EVENT_KIND_NAMES[k]} ${b.cpu[i]}`);
        continue;
      }
      const aux = k === EventKind.WqQueue ? ` wq=${texts[b.aux[i]]}` : '';
      d.rows.push(`${EVENT_KIND_NAMES[k]} ${Math.floor(b.tsNs[i] / 1000)} [${b.cpu[i]}] ${b.pid[i]} ${texts[b.comm[i]]} ${texts[b.addr[i]]} ${b.lockFlags[i] & 3} ${texts[b.name[i]]}${aux}`);
    }
  }
  d.notes = ctx.summary.notes; // the decoder's own list, set once it opened the input
  return d;
}

/** perf script's lines for samples whose tid perf printed as -1 (an exiting task): the text decoder skips them. */
function tidMinusOneLines(script: string): number {
  const text = execFileSync('xz', ['-dc', script], { maxBuffer: 1 << 30 }).toString('latin1');
  return (text.match(/^\s*:-1\s+-1 \[\d+\]\s+\d+\.\d+:\s+(lock:lock_(acquire|release|contended|acquired)|workqueue:workqueue_\w+):/gm) ?? []).length;
}

/**
 * The perf.data events against the perf script text's: the same sequence, except for events the text has
 * no task for (tid -1), which the perf.data side keeps. Returns how many those were.
 */
function compare(data: Decoded, text: Decoded): number {
  const a = data.rows.filter((r) => !r.startsWith('lost') && !r.startsWith('buffer-started'));
  const b = text.rows.filter((r) => !r.startsWith('lost'));
  let extra = 0;
  for (let i = 0, j = 0; i < a.length || j < b.length; i++, j++) {
    if (a[i] === b[j]) continue;
    // the run of exiting-task events perf script could not name (at most a few dozen in a row)
    let k = 1;
    while (k < 64 && i + k < a.length && a[i + k] !== b[j]) k++;
    expect(k < 64 && i + k < a.length + 1, `event ${i} of perf.data: ${a[i]}\nperf script event ${j}: ${b[j]}`).toBe(true);
    extra += k;
    i += k;
  }
  return extra;
}

const SHARED_PERF = existsSync(SHARED_TRACES)
  ? ['abba/perf_rerun', 'none', ...readdirSync(SHARED_TRACES).filter((d) => d.endsWith('-stacks')).map((d) => `${d}/perf`)]
      .filter((d) => existsSync(join(SHARED_TRACES, d, 'perf.data.xz')))
  : [];

describe('perf.data against perf script', () => {
  it('pipe mode (a host recording with callchains): every event and its callchain, in perf script\'s order', async () => {
    // the host's kallsyms is not kept: frames are compared by address
    const data = await decode(PIPE, undefined, undefined, false);
    expect(data.format).toBe('perf-data');
    expect(data.notes[0]).toBe('perf.data (pipe mode)');
    const text = await decode(PIPE_SCRIPT, undefined, undefined, false);
    expect(data.stacks).toBeGreaterThan(500);
    expect(data.frames).toBe(text.frames);
    expect(text.format).toBe('perf-script');
    expect(text.rows.length).toBeGreaterThan(500);
    expect(compare(data, text)).toBe(0);
    expect(data.rows.filter((r) => !r.startsWith('buffer-started')).length).toBe(text.rows.length);
    // queue_work from the virtio interrupt: hardirq context, told apart as ftrace does
    expect(data.irq.some((x) => x & IrqBits.Hardirq)).toBe(true);
    expect(data.irq.every((x) => !(x & IrqBits.NoFlags))).toBe(true);
  });

  it('gives the same events and stacks whatever the frame size', async () => {
    const big = await decode(PIPE);
    const small = await decode(PIPE, undefined, 256);
    expect(big.frames).toBeGreaterThan(0);
    expect(small.rows).toEqual(big.rows);
  });

  it.skipIf(SHARED_PERF.length === 0).each(SHARED_PERF)('%s: the same events and callchains as its perf script text', async (dir) => {
    const d = join(SHARED_TRACES, dir);
    const data = await decodeOnce(join(d, 'perf.data.xz'), join(d, 'kallsyms.txt.xz'));
    const text = await decodeOnce(join(d, 'perf-script.txt.xz'));
    // every event's frames are part of its row: compare() checks them one by one (perf -g recordings)
    if (dir.endsWith('-stacks/perf')) expect(text.stacks).toBeGreaterThan(10_000);
    expect(data.stacks).toBeGreaterThanOrEqual(text.stacks);
    const extra = compare(data, text);
    expect(extra).toBe(tidMinusOneLines(join(d, 'perf-script.txt.xz')));
    // counts per event kind: perf script's lines, plus its tid -1 lines
    const count = (x: Decoded, k: number) => x.kinds.filter((v) => v === k).length;
    const samples = [EventKind.Acquire, EventKind.Release, EventKind.Contended, EventKind.Acquired, EventKind.WqQueue, EventKind.WqActivate, EventKind.WqStart, EventKind.WqEnd];
    expect(samples.reduce((n, k) => n + count(data, k) - count(text, k), 0)).toBe(extra);
    // interrupt contexts are told apart (perf script text cannot)
    expect(data.irq.filter((x) => x & IrqBits.Hardirq).length).toBeGreaterThan(100);
    expect(data.irq.filter((x) => x & IrqBits.Softirq).length).toBeGreaterThan(10);
  }, 60_000);
});

describe('perf.data specifics', () => {
  it.skipIf(SHARED_PERF.length === 0)('perf\'s start-up window: acquisitions before a CPU\'s first lock_release are uncertain, then a buffer-started marker', async () => {
    const data = await decodeOnce(join(SHARED_TRACES, 'abba/perf_rerun/perf.data.xz'), join(SHARED_TRACES, 'abba/perf_rerun/kallsyms.txt.xz'));
    const firstRelease = data.kinds.indexOf(EventKind.Release);
    const marker = data.kinds.indexOf(EventKind.BufferStarted);
    expect(marker).toBe(firstRelease - 1);
    // perf turned lock_acquire on before lock_release: 23 acquisitions on CPU 0 first
    expect(data.kinds.slice(0, marker).every((k) => k === EventKind.Acquire)).toBe(true);
    expect(marker).toBe(23);
    expect(data.flags.slice(0, marker).every((f) => f & LockFlags.Uncertain)).toBe(true);
    expect(data.flags.slice(marker).some((f) => f & LockFlags.Uncertain)).toBe(true); // CPU 1's first ones
    expect(data.kinds.filter((k) => k === EventKind.BufferStarted).length).toBe(2);
  });

  it.skipIf(SHARED_PERF.length === 0)('PERF_RECORD_LOST records are lost events in time order; the untimed end-of-run counts go to the summary', async () => {
    const data = await decodeOnce(join(SHARED_TRACES, 'abba/perf_rerun/perf.data.xz'), join(SHARED_TRACES, 'abba/perf_rerun/kallsyms.txt.xz'));
    expect(data.rows.filter((r) => r.startsWith('lost'))).toEqual(['lost 1', 'lost 1', 'lost 0']);
    expect(data.notes).toContain('perf lost records: 3 PERF_RECORD_LOST record(s), 758 record(s) lost; every lock held at a loss is uncertain from there on');
    expect(data.notes).toContain("perf record's end-of-run count of samples lost (PERF_RECORD_LOST_SAMPLES, no time): 758");
  });

  it('a perf.data without tracepoint events: one line, exit 2', () => {
    const r = cli('replay', NO_TRACEPOINTS);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("perf.data without tracepoint events (2 events, none a tracepoint): nothing to replay; record with perf record -e 'lock:*'");
  });

  it('a truncated or damaged perf.data: one line with the byte offset, exit 2 (file and pipe mode)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-perfdata-'));
    try {
      const pipe = execFileSync('xz', ['-dc', PIPE]);
      const cases: [string, Buffer, RegExp][] = [
        ['cut.data', pipe.subarray(0, Math.floor(pipe.length * 0.6)), /: byte \d+: truncated perf\.data: the record at byte \d+ needs \d+ bytes, the file has \d+ bytes$/],
        ['short.data', pipe.subarray(0, 12), /: byte 0: truncated perf\.data: 12 bytes, less than its header$/],
        ['size.data', Buffer.concat([pipe.subarray(0, 8), Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0]), pipe.subarray(16)]), /: byte 8: corrupt perf\.data: header size 32 /],
      ];
      const file = execFileSync('xz', ['-dc', NO_TRACEPOINTS]);
      cases.push(['file-cut.data', file.subarray(0, 50_000), /: byte \d+: truncated perf\.data: the data section ends at byte \d+, the file has 50000 bytes$/]);
      const zeroSize = Buffer.from(file);
      zeroSize.writeBigUInt64LE(0n, 48); // perf record killed before it rewrote the header
      cases.push(['unfinished.data', zeroSize, /perf\.data was not finished: its header says 0 bytes of data/]);
      for (const [name, bytes, want] of cases) {
        const p = join(dir, name);
        writeFileSync(p, bytes);
        const r = cli('replay', p);
        expect(r.status, `${name}: ${r.stderr}`).toBe(2);
        expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
        expect(r.stderr.trim(), name).toMatch(want);
        // and the same through the decoder itself: an InputError, never anything else
        await expect(decode(p), name).rejects.toBeInstanceOf(InputError);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(SHARED_PERF.length === 0)('perf.data verdicts (../shared/traces)', () => {
  const findings = async (dir: string) => {
    const d = join(SHARED_TRACES, dir);
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [join(d, 'perf.data.xz')], kallsyms: join(d, 'kallsyms.txt.xz') });
    return r.findings.map((f) => ({ kind: f.kind, classes: [...f.classes].sort().join(','), verdict: f.verdict }));
  };

  it.each([
    ['abba-stacks/perf', 'circular-dependency', 'lr_mutex_a,lr_mutex_b'],
    ['wq_flush-stacks/perf', 'circular-dependency', '(work_completion)(&lr_work),(wq_completion)lr_wq,lr_wq_mutex'],
    ['irq_inversion-stacks/perf', 'inconsistent-irq-state', 'lr_irq_lock'],
  ])('%s: the kernel\'s report is a deadlock, and the only one', async (dir, kind, classes) => {
    if (!existsSync(join(SHARED_TRACES, dir))) return;
    const f = await findings(dir);
    expect(f.filter((x) => x.verdict === 'deadlock')).toEqual([{ kind, classes, verdict: 'deadlock' }]);
  }, 60_000);

  it('abba/perf_rerun: the cycle is found (unverified: step 2 lies in a PERF_RECORD_LOST gap), no deadlock invented', async () => {
    const f = await findings('abba/perf_rerun');
    expect(f.filter((x) => x.verdict === 'deadlock')).toEqual([]);
    expect(f).toContainEqual({ kind: 'circular-dependency', classes: 'lr_mutex_a,lr_mutex_b', verdict: 'unverified' });
  }, 60_000);

  it('none: the kernel was silent, no deadlock', async () => {
    const f = await findings('none');
    expect(f.filter((x) => x.verdict === 'deadlock')).toEqual([]);
  }, 60_000);
});
