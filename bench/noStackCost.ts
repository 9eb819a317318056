/**
 * Call stacks cost nothing on captures without them (issue 17): the same inputs replayed by the code from
 * before the stacks work (`--before`, default c22bcb2, main just before it) and by this tree, the two builds
 * run alternately (so both see the same machine load), `lockreplay replay FILE --workers 1 --format json`.
 * CPU seconds (user + sys of the whole process, from /usr/bin/time) are the figure that counts: on a shared
 * VM wall time measures the neighbours. The before tree is `git archive`d into a temp dir with its own
 * node_modules of links (its own bundle cache), so the two builds never rebuild each other's bundles.
 *
 *   npm run bench -- --no-stack-cost [--before REV] [--after REV] [--runs N] [--mb SIZE]   -> bench/results/nostackcost-REV[-AFTER].json
 *
 * `--after REV` measures that commit instead of this tree: `--before 1ab4520 --after c58ffa4` is the stacks
 * work alone (main just before its first commit, and its last commit before main was merged into it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTrace } from './generate.ts';
import { mean, median } from './stats.ts';

interface Run {
  cpuSec: number;
  wallSec: number;
  rssMb: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** A tree of `rev` under a temp dir, with node_modules as links to this tree's packages (no .cache). */
function checkout(root: string, rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockreplay-before-'));
  const x = spawnSync('sh', ['-c', `git -C '${root}' archive '${rev}' | tar -x -C '${dir}'`]);
  if (x.status !== 0) throw new Error(`cannot check out ${rev}: ${x.stderr}`);
  const nm = join(dir, 'node_modules');
  mkdirSync(nm);
  for (const e of readdirSync(join(root, 'node_modules'))) if (e !== '.cache') symlinkSync(join(root, 'node_modules', e), join(nm, e));
  return dir;
}

function replay(tree: string, input: string, report: string): Run {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, join(tree, 'bin', 'lockreplay.js'), 'replay', input, '--workers', '1', '--format', 'json', '-o', report], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m || (r.status !== 0 && r.status !== 1)) throw new Error(`replay of ${input} by ${tree} failed (${r.status}): ${r.stderr.slice(0, 300)}`);
  return { wallSec: Number(m[1]), cpuSec: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024 };
}

/** `afterRev`: a commit to measure instead of this tree (e.g. the stacks work's last commit, to isolate it). */
export async function noStackCostBench(root: string, rev: string, runs: number, mb: number, afterRev?: string): Promise<unknown> {
  const short = (r: string) => spawnSync('git', ['-C', root, 'rev-parse', '--short', r], { encoding: 'utf8' }).stdout.trim();
  const commit = short(rev);
  const now = short(afterRev ?? 'HEAD');
  const before = checkout(root, rev);
  const after = afterRev ? checkout(root, afterRev) : root;
  const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-nostack-'));
  try {
    const synthetic = join(tmp, `synthetic-${mb}MB.txt`);
    const bytes = writeTrace(synthetic, { seed: 1, bytes: mb * 1e6 });
    const shared = join(root, '../shared/traces');
    const inputs: [string, string][] = [[`synthetic ftrace text, ${bytes} bytes (bench/generate.ts, seed 1)`, synthetic]];
    for (const f of ['abba/trace.txt.xz', 'abba/trace.dat.xz']) if (existsSync(join(shared, f))) inputs.push([f, join(shared, f)]);
    // the first run of each build (re)builds its bundles: one warm-up each, not counted
    replay(before, inputs[0][1], join(tmp, 'w.json'));
    replay(after, inputs[0][1], join(tmp, 'w.json'));
    const results: unknown[] = [];
    for (const [name, path] of inputs) {
      const b: Run[] = [], a: Run[] = [];
      for (let k = 0; k < runs; k++) {
        // alternate which goes first, so neither always follows the other's cache effects
        const pair = k % 2 === 0 ? [[before, b], [after, a]] as const : [[after, a], [before, b]] as const;
        for (const [tree, out] of pair) out.push(replay(tree, path, join(tmp, 'r.json')));
      }
      const sum = (xs: Run[]) => ({
        cpuSecMean: r3(mean(xs.map((x) => x.cpuSec))), cpuSecMedian: r3(median(xs.map((x) => x.cpuSec))),
        cpuSec: xs.map((x) => r3(x.cpuSec)), wallSec: xs.map((x) => r3(x.wallSec)), peakRssMb: xs.map((x) => Math.round(x.rssMb)),
      });
      const row = { input: name, before: sum(b), after: sum(a), afterOverBefore: r3(mean(a.map((x) => x.cpuSec)) / mean(b.map((x) => x.cpuSec))) };
      process.stderr.write(`no-stack cost ${name}: before ${row.before.cpuSecMean} s CPU, after ${row.after.cpuSecMean} s (${row.afterOverBefore}x)\n`);
      results.push(row);
    }
    return { before: commit, after: now, runs, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), results };
  } finally {
    rmSync(before, { recursive: true, force: true });
    if (after !== root) rmSync(after, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}
