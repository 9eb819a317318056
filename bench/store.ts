/**
 * `npm run bench -- --store [--captures N] [--seed S] [--engines sqlite,postgres] [--checkpoints a,b,c]`:
 * the fleet store at scale (issue 15 item 7), never part of npm test.
 *
 * N synthetic captures (default 10,000) generated from a seed: each ~250
 * classes and ~1,500 dependencies drawn from a pool of 3,000 classes of its
 * kernel version; the pool drifts by 300 classes from one version to the next
 * (4 versions, captures interleaved), class popularity is skewed (a few
 * classes in every capture, most in few), dependencies follow the pool's order
 * with a rare dependency against it (so some cycles close, some across
 * captures). Each capture is ingested in this process (store/crossCaptureIngest:
 * each ingest reads the part of the union it can touch from the store, as the
 * CLI does), into a fresh SQLite file and a fresh PostgreSQL database
 * (LOCKREPLAY_BENCH_PG, else LOCKREPLAY_TEST_PG). At each checkpoint:
 * captures/s over the last stretch (ingest only, not generating the
 * captures), store size, the wall time and peak RSS of one more ingest as its
 * own process (the CLI: what a fleet machine pays), the time of the
 * `findings` and `kernel-diff` queries in the bench process right after it,
 * and the load average. Writes bench/results/store-seedS-N[-ENGINE].json after
 * every checkpoint (a run stopped early keeps what it measured).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { GRAPH_SCHEMA, serializeGraph, type GraphDependency, type GraphFile } from '../src/graph/graphFile.ts';
import { unionOf } from '../src/graph/graphReplay.ts';
import { captureRecord, type CaptureRecord } from '../src/store/captureRecord.ts';
import { openStore } from '../src/store/openStore.ts';
import { ingestWithCrossCapture } from '../src/store/crossCaptureIngest.ts';
import { listFindings } from '../src/store/findingQueries.ts';
import { diffKernels } from '../src/store/kernelDiff.ts';
import type { StoreEngine } from '../src/store/engine.ts';
import { prng } from './generate.ts';

const POOL = 3000, DRIFT = 300, VERSIONS = 4, CLASSES = 250;
/** One dependency against the pool's order per this many captures (each may close a cycle). */
const BACK_EDGE_EVERY = 20;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const r2 = (x: number) => Math.round(x * 100) / 100;

export function kernelOf(i: number): string {
  return `6.${10 + (i % VERSIONS)}`;
}

/** The lock order of kernel version v: each class's successors, a fixed pick of the next SPAN classes. */
const SPAN = 12, SUCCESSORS = 8;
function successors(seed: number, k: number): number[] {
  const rnd = prng(seed * 7_919 + k);
  const out = new Set<number>();
  while (out.size < SUCCESSORS) out.add(k + 1 + Math.floor(rnd() * SPAN));
  return [...out].sort((a, b) => a - b);
}

/**
 * Capture i of the fleet: ten stretches of 25 consecutive classes (a workload
 * touching a few subsystems) from its version's drifted pool, the popular
 * part of the pool more often; the dependencies are the version's lock order
 * among them, each seen with probability 0.9, plus now and then one against it.
 */
export function fleetCapture(seed: number, i: number): GraphFile {
  const rnd = prng(seed * 1_000_003 + i);
  const v = i % VERSIONS, name = `bench-${String(i).padStart(5, '0')}`, input = `${name}.txt`;
  const picked = new Set<number>();
  while (picked.size < CLASSES) {
    // Squaring a uniform draw: stretches near the pool's start (the core kernel) come up far more often.
    const start = v * DRIFT + Math.floor((POOL - 25) * rnd() * rnd());
    for (let k = start; k < start + 25 && picked.size < CLASSES; k++) picked.add(k);
  }
  const ids = [...picked].sort((a, b) => a - b);
  const cls = (k: number) => `bench_lock_${String(k).padStart(5, '0')}`;
  const deps: GraphDependency[] = [];
  let line = 10;
  const add = (a: number, b: number) => {
    const from = cls(a), to = cls(b), count = 1 + Math.floor(rnd() * 8);
    line += 1 + Math.floor(rnd() * 40);
    const first = { capture: name, input, line, ts: `${Math.floor(line / 1000)}.${String(line % 1000).padStart(6, '0')}`, cpu: line % 2, pid: 100 + (line % 89), comm: 'bench', context: `task ${100 + (line % 89)}`, held: [from] };
    deps.push({ from, to, count, clean: count, combos: 1, kinds: ['E->E'], first, firstClean: first, gates: [], captures: [name] });
  };
  for (const a of ids) for (const b of successors(seed, a)) if (picked.has(b) && rnd() < 0.9) add(a, b);
  if (rnd() < 1 / BACK_EDGE_EVERY) {
    const a = ids[1 + Math.floor(rnd() * (ids.length - 1))];
    if (picked.has(a - 1)) add(a, a - 1 - Math.floor(rnd() * 3 * Number(picked.has(a - 4))));
  }
  return {
    schema: GRAPH_SCHEMA, captures: [{ name, kernel: kernelOf(i), inputs: [{ name: input, positions: 'line' }] }],
    classes: ids.map((k) => ({ name: cls(k), usageBits: 0, usage: [], written: true, read: false })),
    dependencies: deps,
    recursions: [],
  };
}

/** The capture as ingest builds it from a graph file (judged as `merge` judges one). */
async function fleetRecord(seed: number, i: number): Promise<CaptureRecord> {
  const g = fleetCapture(seed, i);
  const { result, graph } = await unionOf([], g);
  return captureRecord(graph, result, { name: g.captures[0].name, kernel: kernelOf(i) }, true);
}

async function storeSize(db: StoreEngine, file: string | undefined): Promise<number> {
  if (file) {
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE)').catch(() => undefined);
    return [file, `${file}-wal`].filter(existsSync).reduce((s, f) => s + statSync(f).size, 0);
  }
  return (await db.query<{ n: number }>('SELECT pg_database_size(current_database()) AS n'))[0].n;
}

/** One ingest as its own process (the CLI), under /usr/bin/time: wall seconds and peak RSS. */
function cliIngest(store: string, graphPath: string): { sec: number; rssMb: number; line: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, join(root, 'bin/lockreplay.js'), 'ingest', graphPath, '--store', store], { encoding: 'utf8' });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
  return { sec: r2((performance.now() - t) / 1000), rssMb: m ? r2(Number(m[1]) / 1024) : NaN, line: r.stdout.trim() };
}

async function timedMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - t), value };
}

async function benchEngine(
  engine: 'sqlite' | 'postgres', store: string, file: string | undefined, seed: number, checkpoints: number[], tmp: string, progress: (partial: unknown) => void,
) {
  const db = await openStore(store);
  const rows: unknown[] = [];
  let done = 0, ingestSec = 0, crossFound = 0, crossDeadlocks = 0;
  try {
    for (const cp of checkpoints) {
      const t = performance.now();
      let recSec = 0;
      for (; done < cp; done++) {
        const t0 = performance.now();
        const rec = await fleetRecord(seed, done);
        recSec += (performance.now() - t0) / 1000;
        const o = await ingestWithCrossCapture(db, rec);
        crossFound += o.crossCapture.found;
        crossDeadlocks += o.crossCapture.deadlocks;
      }
      const stretch = (performance.now() - t) / 1000 - recSec;
      ingestSec += stretch;
      // One more capture through the CLI, a fresh process: drawn with another seed, so another lock order (~440 of its
      // dependencies new to the store, the costly case for the cross-capture check).
      const extra = join(tmp, `extra-${engine}-${cp}.graph.json`);
      writeFileSync(extra, serializeGraph(fleetCapture(seed + 7919, cp)));
      const cli = cliIngest(store, extra);
      const findings = await timedMs(() => listFindings(db));
      const newIn = await timedMs(() => listFindings(db, { newIn: kernelOf(1), comparedWith: kernelOf(0) }));
      const diff = await timedMs(() => diffKernels(db, kernelOf(0), kernelOf(1)));
      const [{ deps }] = await db.query<{ deps: number }>('SELECT COUNT(*) AS deps FROM dependencies');
      const row = {
        captures: cp, capturesPerSec: r2((cp - (rows.length ? (rows[rows.length - 1] as { captures: number }).captures : 0)) / stretch),
        storeBytes: await storeSize(db, file), dependencyRows: deps, findings: findings.value.length, crossCaptureFindings: crossFound, crossCaptureDeadlocks: crossDeadlocks,
        cliIngest: { wallSec: cli.sec, peakRssMb: cli.rssMb }, findingsMs: findings.ms, newInMs: newIn.ms, kernelDiffMs: diff.ms,
        kernelDiff: { dependenciesAdded: diff.value.dependencies.added.length, findingsIntroduced: diff.value.findings.introduced.length },
        rssMbOfBench: r2(process.memoryUsage().rss / 2 ** 20),
        // The machine is shared: its load over the last minute says what the figures above were measured under.
        loadAverage: loadavg().map(r2),
      };
      rows.push(row);
      process.stderr.write(`${engine} ${JSON.stringify(row)}\n`);
      progress({ engine, capturesPerSecOverall: r2(done / ingestSec), checkpoints: rows });
    }
  } finally {
    await db.close();
  }
  return { engine, capturesPerSecOverall: r2(done / ingestSec), checkpoints: rows };
}

async function freshPgDatabase(url: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function storeBench(args: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seed = Number(arg('--seed') ?? 1), n = Number(arg('--captures') ?? 10_000);
  const engines = (arg('--engines') ?? 'sqlite,postgres').split(',');
  const checkpoints = (arg('--checkpoints')?.split(',').map(Number) ?? [100, 1000, 2500, 5000, 7500, 10_000]).filter((c) => c <= n);
  if (checkpoints[checkpoints.length - 1] !== n) checkpoints.push(n);
  const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-store-bench-'));
  const results: unknown[] = [];
  const os = await import('node:os');
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `store-seed${seed}-${n}${engines.length === 1 ? `-${engines[0]}` : ''}.json`);
  // Written after every checkpoint: a run stopped early still leaves what it measured.
  const write = (partial?: unknown) => {
    const out = {
      seed, captures: n, complete: partial === undefined,
      shape: { pool: POOL, drift: DRIFT, versions: VERSIONS, classesPerCapture: CLASSES, successorsPerClass: SUCCESSORS, successorSpan: SPAN, backEdgeEvery: BACK_EDGE_EVERY },
      loadAverage: os.loadavg().map(r2), cores: os.availableParallelism(), results: partial === undefined ? results : [...results, partial],
    };
    writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  };
  try {
    for (const engine of engines) {
      if (engine === 'sqlite') {
        const db = join(tmp, 'fleet.db');
        results.push(await benchEngine('sqlite', db, db, seed, checkpoints, tmp, write));
      } else {
        const url = process.env.LOCKREPLAY_BENCH_PG ?? process.env.LOCKREPLAY_TEST_PG;
        if (!url) throw new Error('PostgreSQL bench: set LOCKREPLAY_BENCH_PG (or LOCKREPLAY_TEST_PG; scripts/test-postgres.sh start prints one)');
        results.push(await benchEngine('postgres', await freshPgDatabase(url, `lockreplay_bench_${process.pid}`), undefined, seed, checkpoints, tmp, write));
      }
      write(undefined);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  write(undefined);
  process.stderr.write(`wrote ${file}\n`);
}
