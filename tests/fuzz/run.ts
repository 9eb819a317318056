/**
 * `npm run fuzz`: mutation fuzzing of every decoder in src/decode/registry.ts
 * DECODERS (generic: whatever formats are registered when it runs).
 *
 *   npm run fuzz -- --heavy    (the bounded-resource scenarios at full size instead)
 *   npm run fuzz -- [--cases N] [--heavy-cases N] [--workers W] [--budget-ms B] [--format F] [--salt S]
 *
 * --cases (default 1,000,000) applies to line-based formats and to the small
 * seeds (under 128 KB) of whole-document formats; their large seeds (512 KB
 * capture heads of trace.dat, perf JSON, graphs: each case copies and parses a
 * whole one) run --heavy-cases (default 20,000) as a separate group, reported as
 * `FORMAT (large seeds)`. --heavy-cases 0 skips the large seeds, e.g.
 * `--format trace-dat --heavy-cases 0` fuzzes only the repo's small trace.dat
 * files (traces/*.dat: the abba cuts, one with kernel_stack records).
 *
 * Seeds per format: line-aligned windows of the real captures under
 * ../shared/traces (those whose content detectFormat() assigns to the format),
 * plus, for ftrace text, random traces printed in the kernel's exact layout,
 * for trace.dat the repo's traces/*.dat, and for perf.data, small files
 * written in perf's layout from generated lock events (tests/fuzz/perfDataGen.ts:
 * file and pipe mode, callchains, lost records) with the repo's real pipe-mode
 * recording. Each format's report also counts the cases whose decoding reached
 * a call stack (Stack rows: kernel_stack records, `<stack trace>` blocks,
 * callchains).
 * Each case mutates a seed (bit flips, truncation, garbage, NULs, invalid
 * UTF-8, long lines, shuffled lines, CRLF), runs detectFormat and the decoder
 * on it (random chunking, frame size and line limit), and every 8th case the
 * replay, every 64th the text and JSON reports too.
 *
 * A crash is any exception that is not an InputError; a hang is a case that
 * overran the per-case budget (the main thread terminates the worker and
 * restarts after that case). Crashing inputs are written under
 * $TMPDIR/lockreplay-fuzz/. Exit 1 on any crash or hang.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism, tmpdir } from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { DECODERS } from '../../src/decode/registry.ts';
import { detectFormat, type TraceFormat } from '../../src/decode/detectFormat.ts';
import { formatTrace, nestedTraceArb, traceArb } from './traceGen.ts';
import type { WorkerJob } from './worker.ts';
import { chunksOf, cycleRich, deepContext, distinctNames, giantLine, replayStream } from './streams.ts';
import { chooseCycles } from '../../src/analysis/cycleChoice.ts';
import { perfDataSeeds } from './perfDataGen.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TRACES = resolve(root, '..', 'shared', 'traces');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
function argStr(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const CASES = arg('--cases', 1_000_000);
const WORKERS = arg('--workers', Math.max(1, Math.min(8, availableParallelism() - 1)));
const BUDGET_MS = arg('--budget-ms', 5000);
const SALT = arg('--salt', 0x5eed);
const ONLY = argStr('--format');
const SEED_BYTES = 512 * 1024;
/** Whole-document formats (a case copies and parses a whole seed): large seeds get fewer cases, see --heavy-cases. */
const WHOLE_DOCUMENT = new Set<TraceFormat>(['trace-dat', 'perf-json', 'graph']);
const HEAVY_CASES = arg('--heavy-cases', 20_000);
/** A whole-document seed below this size costs about what a line-based case does: it runs --cases. */
const SMALL_SEED_BYTES = 128 * 1024;

/** Line-aligned windows of 256 B .. 8 KB of a text, plus its head (headers). */
function windows(text: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [text.subarray(0, 8192)];
  let s = 0, k = 0;
  while (s < text.length && out.length < max) {
    const len = 256 << k % 6;
    k++;
    let e = text.indexOf(0x0a, s + len);
    e = e < 0 ? text.length : e + 1;
    out.push(text.subarray(s, e));
    s = e + ((k * 7919) % 4) * len; // skip a little to cover more of the capture
  }
  return out;
}

function captureSeeds(): Map<TraceFormat, Buffer[]> {
  const by = new Map<TraceFormat, Buffer[]>();
  if (!existsSync(TRACES)) return by;
  const files: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && depth < 2) walk(join(d, e.name), depth + 1);
      else if (/^(trace\.txt|trace-cmd-report\.txt|perf-script\.txt|perf\.json|trace\.dat|lockdep\.txt)(\.xz)?$/.test(e.name)) files.push(join(d, e.name));
    }
  };
  walk(TRACES, 0);
  for (const f of files) {
    const r = f.endsWith('.xz')
      ? spawnSync('sh', ['-c', `xz -dc "$0" 2>/dev/null | head -c ${SEED_BYTES}`, f], { maxBuffer: SEED_BYTES * 2 })
      : spawnSync('head', ['-c', String(SEED_BYTES), f], { maxBuffer: SEED_BYTES * 2 });
    const buf = r.stdout as Buffer;
    if (!buf?.length) continue;
    const det = detectFormat(buf.subarray(0, 64 * 1024));
    if (!det) continue;
    const list = by.get(det.format) ?? [];
    if (det.format === 'trace-dat' || det.format === 'perf-json' || det.format === 'graph') list.push(buf);
    else list.push(...windows(buf, 300));
    by.set(det.format, list);
  }
  return by;
}

function generatedFtraceSeeds(): Buffer[] {
  const a = fc.sample(traceArb, { numRuns: 300, seed: 42 }).map((t) => Buffer.from(formatTrace(t)));
  const b = fc.sample(nestedTraceArb, { numRuns: 200, seed: 43 }).map((t) => Buffer.from(formatTrace(t)));
  return [...a, ...b];
}

/** The repo's own small trace.dat files (traces/*.dat): whole files, small enough to run at --cases. */
function repoTraceDats(): Buffer[] {
  const dir = join(root, 'traces');
  return readdirSync(dir).filter((f) => f.endsWith('.dat')).sort().map((f) => readFileSync(join(dir, f)));
}

interface FormatReport {
  format: string;
  cases: number;
  crashes: number;
  hangs: number;
  slow: number;
  seconds: number;
  seeds: number;
  /** Cases whose decoding gave at least one call stack. */
  stackCases: number;
}

async function fuzzFormat(format: TraceFormat, label: string, seeds: Buffer[], CASES: number): Promise<FormatReport> {
  const t0 = Date.now();
  const crashDir = join(tmpdir(), 'lockreplay-fuzz');
  const fileTag = label.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-$/, '');
  let crashes = 0, hangs = 0, slow = 0, done = 0, stackCases = 0;
  const per = Math.ceil(CASES / WORKERS);
  const ranges: [number, number][] = [];
  for (let w = 0; w < WORKERS; w++) ranges.push([w * per, Math.min(CASES, (w + 1) * per)]);
  const live: Float64Array[] = [];
  const shownCrashes = new Set<string>();

  async function runRange(from: number, to: number): Promise<void> {
    while (from < to) {
      const progress = new SharedArrayBuffer(8 * 7);
      const p = new Float64Array(progress);
      live.push(p);
      p[0] = from;
      p[1] = Date.now();
      const job: WorkerJob = { format, seeds, from, to, salt: SALT, budgetMs: BUDGET_MS, progress };
      const w = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: job });
      const outcome = await new Promise<{ hungAt?: number }>((res) => {
        // Set before terminate(): its 'exit' event comes before the promise it returns resolves, and must
        // not read as a worker that finished its range (hangs were dropped that way).
        let hungAt: number | undefined;
        const timer = setInterval(() => {
          if (Date.now() - p[1] > BUDGET_MS * 2) {
            clearInterval(timer);
            hungAt = p[0];
            void w.terminate().then(() => res({ hungAt }));
          }
        }, 250);
        w.on('message', (m: { type: string; case?: number; error?: string; input?: Uint8Array; mutations?: unknown; seedIndex?: number; ms?: number }) => {
          if (m.type === 'crash') {
            crashes++;
            mkdirSync(crashDir, { recursive: true });
            const file = join(crashDir, `${fileTag}-case${m.case}.bin`);
            writeFileSync(file, m.input!);
            const key = (m.error ?? '').split('\n').slice(0, 2).join(' ');
            if (!shownCrashes.has(key) && shownCrashes.size < 10) {
              shownCrashes.add(key);
              console.error(`CRASH ${label} case ${m.case} (seed ${m.seedIndex}, ${JSON.stringify(m.mutations)}) -> ${file}\n${m.error}`);
            }
          } else if (m.type === 'slow') {
            slow++;
            console.error(`SLOW ${label} case ${m.case}: ${Math.round(m.ms!)} ms (budget ${BUDGET_MS} ms)`);
          }
        });
        w.on('error', (e) => {
          clearInterval(timer);
          if (p[5] === 0) {
            // the worker did not even start: a harness problem, not a finding
            console.error(`fuzz: worker failed to start: ${(e as Error).stack}`);
            process.exit(3);
          }
          crashes++;
          console.error(`CRASH ${label} worker died near case ${p[0]}: ${(e as Error).stack}`);
          res({ hungAt: p[0] });
        });
        w.on('exit', () => {
          clearInterval(timer);
          res({ hungAt });
        });
      });
      done += p[2];
      stackCases += p[6];
      live.splice(live.indexOf(p), 1);
      if (outcome.hungAt !== undefined && p[0] + 1 < to + 1 && p[2] < to - from) {
        hangs++;
        console.error(`HANG ${label} case ${outcome.hungAt} (over ${BUDGET_MS * 2} ms); reproduce: buildCase(seeds, ${outcome.hungAt}, ${SALT})`);
        done++;
        from = outcome.hungAt + 1;
      } else {
        from = to;
      }
    }
  }
  const ticker = setInterval(() => {
    const n = done + live.reduce((a, p) => a + p[2], 0);
    console.log(`  ${label}: ${n} cases, ${crashes} crashes, ${hangs} hangs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }, 30_000);
  await Promise.all(ranges.map(([a, b]) => runRange(a, b)));
  clearInterval(ticker);
  return { format: label, cases: done, crashes, hangs, slow, seconds: (Date.now() - t0) / 1000, seeds: seeds.length, stackCases };
}

/** --heavy: the bounded-resource scenarios of tests/robustness at full size; each must end with its limit warning. */
async function heavy(): Promise<number> {
  let failures = 0;
  const check = (what: string, ok: boolean, detail: string) => {
    console.log(`heavy ${what}: ${ok ? 'ok' : 'FAILED'} (${detail}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB)`);
    if (!ok) failures++;
  };
  let r = await replayStream(giantLine(4 * 2 ** 30));
  check('4 GB line', r.warnings.count('long-line') === 1 && r.replayer.counters.releases === 1, `long-line ${r.warnings.count('long-line')}`);
  r = await replayStream(chunksOf(distinctNames(1_000_000)));
  check('1,000,000 distinct lock names', r.replayer.classes.count >= 1_000_000 && r.warnings.counts.size === 0, `${r.replayer.classes.count} classes`);
  // Bounded memory too: held stacks are capped at maxDepth, so should be everything built from them.
  const rss0 = process.memoryUsage().rss;
  r = await replayStream(chunksOf(deepContext(20_000)));
  const grew = process.memoryUsage().rss - rss0;
  check('20,000 locks held by one context', r.warnings.count('depth-limit') === 20_000 - r.replayer.opts.maxDepth && grew < 2 ** 30,
    `depth-limit ${r.warnings.count('depth-limit')}, rss grew ${Math.round(grew / 2 ** 20)} MB (limit 1024)`);
  r = await replayStream(chunksOf(cycleRich(60)));
  let chosen = chooseCycles(r.replayer);
  check('60 classes nested in both orders', chosen.chosen.length === r.replayer.graph.closing.length && chosen.limitHits === 0,
    `${r.replayer.graph.size} dependencies, ${r.replayer.graph.closing.length} closing, ${chosen.chosen.length} cycles chosen, ${chosen.limitHits} searches stopped`);
  // The search limit must be both applied and counted when no cycle is a deadlock.
  r = await replayStream(chunksOf(cycleRich(60, true)));
  chosen = chooseCycles(r.replayer);
  check('60 classes nested in both orders under one gate', chosen.chosen.length === r.replayer.graph.closing.length && chosen.limitHits > 0,
    `${r.replayer.graph.size} dependencies, ${r.replayer.graph.closing.length} closing, ${chosen.chosen.length} cycles chosen, ${chosen.limitHits} searches stopped`);
  return failures;
}

async function main(): Promise<void> {
  if (process.argv.includes('--heavy')) {
    const f = await heavy();
    console.log(`heavy summary: ${f} failures`);
    process.exitCode = f ? 1 : 0;
    return;
  }
  const formats = (Object.keys(DECODERS) as TraceFormat[]).filter((f) => !ONLY || f === ONLY);
  const fromCaptures = captureSeeds();
  const gen = generatedFtraceSeeds();
  console.log(`fuzz: ${CASES} cases per line-based decoder and small whole-document seeds (${Math.min(CASES, HEAVY_CASES)} on large whole-document seeds), ${WORKERS} workers, budget ${BUDGET_MS} ms/case, decoders: ${formats.join(', ')}`);
  const reports: FormatReport[] = [];
  for (const format of formats) {
    let seeds = fromCaptures.get(format) ?? [];
    if (format === 'ftrace') seeds = [...seeds, ...gen];
    if (format === 'perf-data') {
      const real = spawnSync('xz', ['-dc', join(root, 'traces', 'perf-pipe-workqueue.data.xz')], { maxBuffer: 8 << 20 }).stdout as Buffer;
      seeds = [...perfDataSeeds(300, 42), ...(real?.length ? [real.subarray(0, 64 * 1024)] : [])];
    }
    if (format === 'trace-dat') seeds = [...seeds, ...repoTraceDats()];
    if (seeds.length === 0) {
      // no capture of this format here: fuzz it with every text seed we have
      seeds = [...gen, ...[...fromCaptures.values()].flat()];
    }
    const groups: [string, Buffer[], number][] = WHOLE_DOCUMENT.has(format)
      ? [[format, seeds.filter((b) => b.length < SMALL_SEED_BYTES), CASES], [`${format} (large seeds)`, seeds.filter((b) => b.length >= SMALL_SEED_BYTES), Math.min(CASES, HEAVY_CASES)]]
      : [[format, seeds, CASES]];
    for (const [label, group, cases] of groups) {
      if (group.length === 0 || cases === 0) continue;
      const r = await fuzzFormat(format, label, group, cases);
      reports.push(r);
      console.log(`fuzz ${r.format}: ${r.cases} cases (${r.seeds} seeds), ${r.crashes} crashes, ${r.hangs} hangs, ${r.slow} slow, ${r.seconds.toFixed(1)} s; ${r.stackCases} cases decoded a call stack`);
    }
  }
  const total = reports.reduce((a, r) => ({ cases: a.cases + r.cases, crashes: a.crashes + r.crashes, hangs: a.hangs + r.hangs }), { cases: 0, crashes: 0, hangs: 0 });
  console.log(`fuzz summary: ${reports.length} runs, ${total.cases} cases, ${total.crashes} crashes, ${total.hangs} hangs`);
  process.exitCode = total.crashes || total.hangs ? 1 : 0;
}

await main();
