/**
 * `npm run bench` (never part of npm test): throughput of the CLI on seeded
 * synthetic ftrace text (default 1 GB and 4 GB; --small: 200 MB and 800 MB)
 * and on the real `none` capture when present, for --workers 1 and 2, against
 * `wc -l` on the same bytes in the same run; and each real trace.dat against
 * `trace-cmd report` (bench/tracedat.ts), each real perf.data against `perf script` (bench/perfdata.ts).
 * Writes bench/results/<name>.json.
 *
 *   npm run bench [-- --small] [-- --seed N] [-- --sizes 100M,300M] [-- --repeat N]
 * Every configuration runs --repeat times (default 3); wall figures are the fastest run's.
 *   npm run bench -- --tracedat-only [--repeat N]   # only the trace.dat part: bench/results/tracedat.json
 *   npm run bench -- --perfdata-only [--repeat N]   # only the perf.data part: bench/results/perfdata.json
 *   npm run bench -- --store [--captures N] [--seed S] [--engines sqlite,postgres]   # the fleet store: bench/store.ts
 *   npm run bench -- --html-only [--repeat N]       # the none/trace.dat HTML report in Chromium: bench/results/html.json
 *   npm run bench -- --live [--minutes M] [--rate LINES_PER_S]   # memory of replay --stream on an endless generated stream: bench/live.ts
 *   npm run bench -- --workers-default [--repeat N]  # the default --workers, whole-process medians on none: bench/workers.ts
 *   npm run bench -- --no-stack-cost [--before REV] [--after REV] [--runs N] [--mb SIZE]   # before/after the stacks work: bench/noStackCost.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { writeTrace } from './generate.ts';
import { traceDatBench } from './tracedat.ts';
import { perfDataBench } from './perfdata.ts';
import { htmlBench } from './html.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (args.includes('--store')) {
  await (await import('./store.ts')).storeBench(args);
  process.exit(0);
}
// scripts that run on import, reading their own options from process.argv
if (args.includes('--live')) {
  await import('./live.ts');
  process.exit(0);
}
if (args.includes('--workers-default')) {
  await import('./workers.ts');
  process.exit(0);
}
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--no-stack-cost')) {
  const before = arg('--before') ?? 'c22bcb2', after = arg('--after');
  const r = await (await import('./noStackCost.ts')).noStackCostBench(root, before, Number(arg('--runs') ?? 4), Number(arg('--mb') ?? 100), after);
  const file = join(root, 'bench', 'results', `nostackcost-${before}${after ? `-${after}` : ''}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  process.stderr.write(`wrote ${file}\n`);
  process.exit(0);
}
const small = args.includes('--small');
const seed = Number(arg('--seed') ?? 1);
const sizes = (arg('--sizes') ?? (small ? '200M,800M' : '1G,4G')).split(',').map(parseSize);
const WORKERS = [1, 2];
const perfdataOnly = args.includes('--perfdata-only');
const tracedatOnly = args.includes('--tracedat-only') || perfdataOnly;
const repeat = Number(arg('--repeat') ?? 3);

if (args.includes('--html-only')) {
  const html = await htmlBench(root, repeat);
  const os = await import('node:os');
  const file = join(root, 'bench', 'results', 'html.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100), cores: os.availableParallelism(), html }, null, 2) + '\n');
  process.stderr.write(`${JSON.stringify(html)}\nwrote ${file}\n`);
  process.exit(0);
}

function parseSize(s: string): number {
  const m = /^(\d+)([MG])$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Number(m[1]) * (m[2].toUpperCase() === 'G' ? 1e9 : 1e6);
}

interface Input { name: string; path: string; bytes: number; compressed: boolean }

const inputs: Input[] = [];
const dataDir = join(root, 'bench', 'data');
mkdirSync(dataDir, { recursive: true });
for (const size of tracedatOnly ? [] : sizes) {
  const path = join(dataDir, `synthetic-s${seed}-${size / 1e6}MB.txt`);
  if (!existsSync(path)) {
    const t = performance.now();
    process.stderr.write(`generating ${path} ...\n`);
    writeTrace(path, { seed, bytes: size });
    process.stderr.write(`  ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  inputs.push({ name: `synthetic-${size / 1e6}MB`, path, bytes: statSync(path).size, compressed: false });
}
const none = resolve(root, '../shared/traces/none/trace.txt.xz');
if (!tracedatOnly && existsSync(none)) {
  const out = spawnSync('sh', ['-c', `xz -dc '${none}' | wc -c`], { encoding: 'utf8' });
  inputs.push({ name: 'none (trace.txt.xz)', path: none, bytes: Number(out.stdout.trim()), compressed: true });
}

/** Runs a command under /usr/bin/time -v; returns wall seconds and peak RSS (MB). */
function timed(cmd: string[], shell = false): { sec: number; cpuSec: number; rssMb: number; status: number | null; stderr: string } {
  const argv = shell ? ['-v', 'sh', '-c', cmd[0]] : ['-v', ...cmd];
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', argv, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CI: '1' } });
  const sec = (performance.now() - t) / 1000;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr), sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpuSec = (user ? Number(user[1]) : NaN) + (sys ? Number(sys[1]) : NaN);
  return { sec, cpuSec, rssMb: m ? Number(m[1]) / 1024 : NaN, status: r.status, stderr: r.stderr };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const results: unknown[] = [];
const tmpReport = join(tmpdir(), `lockreplay-bench-${process.pid}.json`);
for (const inp of inputs) {
  // wc -l over the same (decompressed) bytes, in this run; the fastest of `repeat`, like the replays.
  let wcSec = Infinity;
  for (let k = 0; k < repeat; k++) wcSec = Math.min(wcSec, timed([inp.compressed ? `xz -dc '${inp.path}' | wc -l` : `wc -l '${inp.path}'`], true).sec);
  const wcBps = inp.bytes / wcSec;
  const runs: Record<string, unknown> = {};
  let eps1 = 0;
  for (const w of WORKERS) {
    // Each configuration `repeat` times: wall figures are the fastest run's (the machine may be busy with other
    // work), peak RSS the largest seen.
    let best: { r: ReturnType<typeof timed>; profile: { events: number } } | undefined;
    const walls: number[] = [];
    let rssMb = 0;
    for (let k = 0; k < repeat; k++) {
      const r = timed([process.execPath, join(root, 'bin', 'lockreplay.js'), 'replay', inp.path, '--workers', String(w), '--profile', '--format', 'json', '-o', tmpReport]);
      if (r.status !== 0 && r.status !== 1) throw new Error(`lockreplay failed on ${inp.name} (status ${r.status}): ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
      walls.push(r2(r.sec));
      rssMb = Math.max(rssMb, r.rssMb);
      if (!best || r.sec < best.r.sec) best = { r, profile: JSON.parse(readFileSync(tmpReport, 'utf8')).profile };
    }
    const { r, profile } = best!;
    const bps = inp.bytes / r.sec, eps = profile.events / r.sec;
    if (w === 1) eps1 = eps;
    runs[`workers${w}`] = {
      // cpuSec (user+sys of the whole process) depends less on what else the machine runs than wall figures do.
      wallSec: r2(r.sec), walls, cpuSec: r2(r.cpuSec), mbPerSec: r2(bps / 1e6), eventsPerSec: Math.round(eps), peakRssMb: r2(rssMb),
      ratioToWc: r2(bps / wcBps), speedupVs1: r2(eps / eps1), profile,
    };
    process.stderr.write(`${inp.name} workers=${w}: ${r2(bps / 1e6)} MB/s, ${Math.round(eps)} events/s, ${r2(bps / wcBps)}x wc -l, peak RSS ${r2(rssMb)} MB\n`);
  }
  process.stderr.write(`${inp.name} wc -l: ${r2(wcBps / 1e6)} MB/s\n`);
  results.push({ input: inp.name, bytes: inp.bytes, wcLineMbPerSec: r2(wcBps / 1e6), ...runs });
}
rmSync(tmpReport, { force: true });
const tracedat = perfdataOnly ? undefined : await traceDatBench(root, timed, repeat);
const perfdata = args.includes('--tracedat-only') ? undefined : await perfDataBench(root, timed, repeat);

const targets = { ratioToWcWith2Workers: 0.1, speedup2vs1: 1.6, peakRssMb: 256 };
const loadAverage = (await import('node:os')).loadavg().map(r2);
const cores = (await import('node:os')).availableParallelism();
const out = perfdataOnly
  ? { loadAverageAtEnd: loadAverage, cores, perfdata }
  : tracedatOnly
    ? { loadAverageAtEnd: loadAverage, cores, tracedat }
    : { seed, sizes, loadAverageAtEnd: loadAverage, cores, targets, results, tracedat, perfdata };
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const label = arg('--sizes') ? `sizes-${arg('--sizes')}` : small ? 'small' : 'full';
const file = join(resultsDir, perfdataOnly ? 'perfdata.json' : tracedatOnly ? 'tracedat.json' : `${label}-seed${seed}.json`);
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
process.stderr.write(`wrote ${file}\n`);
