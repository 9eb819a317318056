/**
 * `npm run bench -- --workers-default [--repeat N]` (never part of npm test; run it under the heavy-work
 * lock): the default worker count, from measurements. Whole-process wall time (node start, bundle load,
 * decompression, decode, replay, report) of `lockreplay replay --format json -o /dev/null` on the real
 * `none` capture, for --workers 1 and 2, runs interleaved so a load change hits both alike; medians of N
 * (default 5). Inputs: trace.txt.xz (187 MB of text through an xz child process), the same text
 * uncompressed, and trace.dat.xz (LOCKREPLAY_TRACES: the captures' directory, default ../shared/traces).
 * Writes bench/results/workers.json.
 */
import { spawnSync } from 'node:child_process';
import { cpus, availableParallelism, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { median } from './stats.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1] || 5) || 5;
const none = resolve(process.env.LOCKREPLAY_TRACES ?? resolve(root, '../shared/traces'), 'none');
if (!existsSync(join(none, 'trace.txt.xz'))) throw new Error(`no ${none}/trace.txt.xz`);
const tmp = join(tmpdir(), `lr-bench-workers-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const plain = join(tmp, 'trace.txt');
spawnSync('sh', ['-c', `xz -dc '${join(none, 'trace.txt.xz')}' > '${plain}'`]);

const inputs = [
  { name: 'none trace.txt.xz (xz child process)', path: join(none, 'trace.txt.xz') },
  { name: 'none trace.txt (uncompressed)', path: plain },
  { name: 'none trace.dat.xz', path: join(none, 'trace.dat.xz') },
];
const results = [];
try {
  for (const inp of inputs) {
    const runs: Record<string, number[]> = { 1: [], 2: [] };
    for (let k = 0; k < repeat; k++) {
      for (const w of k % 2 ? [2, 1] : [1, 2]) {
        const t = performance.now();
        const r = spawnSync(process.execPath, [join(root, 'bin/lockreplay.js'), 'replay', inp.path, '--workers', String(w), '--format', 'json', '-o', '/dev/null'], { encoding: 'utf8' });
        const s = (performance.now() - t) / 1000;
        if (r.status !== 0 && r.status !== 1) throw new Error(`${inp.name} --workers ${w}: exit ${r.status}: ${r.stderr}`);
        runs[w].push(Math.round(s * 100) / 100);
        process.stderr.write(`${inp.name} --workers ${w}: ${s.toFixed(2)} s\n`);
      }
    }
    const m1 = median(runs[1]), m2 = median(runs[2]);
    results.push({ input: inp.name, runs, median: { 1: m1, 2: m2 }, fastest: m1 <= m2 ? 1 : 2, ratio2to1: Math.round((m2 / m1) * 100) / 100 });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const out = {
  what: 'whole-process wall seconds of `lockreplay replay INPUT --workers N --format json -o /dev/null`, medians of interleaved runs',
  date: new Date().toISOString(), node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model, loadavgAtEnd: loadavg(),
  repeat, results,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/workers.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
