/**
 * The perf.data side-by-side of `npm run bench` (alone: `npm run bench -- --perfdata-only`): for each
 * perf.data in ../shared/traces (none, abba/perf_rerun, the *-stacks captures), decompressed from its .xz
 * into a temp file first (and its kallsyms.txt.xz beside it), the time of `perf script -i <file> --kallsyms
 * <k> > /dev/null` against lockreplay's perf.data decoder alone (`decodeOnly`: every frame out, no replay:
 * "reading perf.data") and against the whole `lockreplay replay <file> --workers 1` CLI run (reading,
 * replay, analysis, report).
 *
 * perf script and the decoder run in turns (perf script, decoder, perf script, ...), `repeat` times each,
 * so a change of load on the shared machine hits both alike; the fastest run counts (the least disturbed),
 * the median is given too. The decoder runs in a process of its own that never forks
 * (perfdataDecodeOnly.ts --serve), after one uncounted warm-up run: its throughput once compiled. Its
 * cold figure (`coldWallSec`) is one decode in a fresh process, timed without Node's start: nothing
 * compiled yet, as in a CLI run. CPU seconds are given too, as they depend less on the load. Ratio =
 * perf script seconds / lockreplay seconds (> 1: lockreplay is faster).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecodeOnly } from './perfdataDecodeOnly.ts';
import { median } from './stats.ts';
import { best, type Timed, type TimeFn } from './tracedat.ts';

const CAPTURES = ['none', 'abba/perf_rerun', 'abba-stacks/perf', 'wq_flush-stacks/perf', 'irq_inversion-stacks/perf'];
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Node's arguments to run perfdataDecodeOnly.ts on a perf.data and its kallsyms. */
const decodeOnlyArgs = (root: string, data: string, ksyms: string): string[] => ['--import', 'tsx', join(root, 'bench', 'perfdataDecodeOnly.ts'), data, ksyms];

/** A `perfdataDecodeOnly.ts --serve` process: one decode of the file per run(), warm after the first. */
class DecodeServer {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(root: string, data: string, ksyms: string) {
    this.child = spawn(process.execPath, [...decodeOnlyArgs(root, data, ksyms), '--serve'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  async run(): Promise<DecodeOnly> {
    this.child.stdin!.write('run\n');
    const r = await this.lines.next();
    if (r.done) throw new Error('the decode process ended');
    return JSON.parse(r.value) as DecodeOnly;
  }

  close(): void {
    this.child.stdin!.end();
  }
}

function fastest<T>(runs: T[], sec: (r: T) => number): T {
  return runs.reduce((a, b) => (sec(b) < sec(a) ? b : a));
}

export async function perfDataBench(root: string, timed: TimeFn, repeat: number): Promise<{ target: unknown; results: unknown[] }> {
  const results: unknown[] = [];
  const perf = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  if (perf.error) {
    process.stderr.write('perf.data bench skipped: perf is not installed\n');
    return { target: {}, results };
  }
  const version = /perf version (\S+)/.exec(perf.stdout)?.[1] ?? '?';
  for (const name of CAPTURES) {
    const dir = join(root, '../shared/traces', name);
    if (!existsSync(join(dir, 'perf.data.xz'))) {
      process.stderr.write(`perf.data bench: ${dir}/perf.data.xz absent, skipped\n`);
      continue;
    }
    const tag = `lockreplay-bench-${process.pid}-${name.replace(/\//g, '-')}`;
    const data = join(tmpdir(), `${tag}.data`), ksyms = join(tmpdir(), `${tag}.kallsyms`), report = join(tmpdir(), `${tag}.json`);
    try {
      const x = spawnSync('sh', ['-c', `xz -dc '${dir}/perf.data.xz' > '${data}' && xz -dc '${dir}/kallsyms.txt.xz' > '${ksyms}'`]);
      if (x.status !== 0) throw new Error(`cannot decompress ${dir}`);
      // one decode in a fresh process (timed inside it, without Node's start): nothing compiled yet, as in a CLI run
      const once = spawnSync(process.execPath, decodeOnlyArgs(root, data, ksyms), { encoding: 'utf8', cwd: root });
      if (once.status !== 0) throw new Error(`cold decode failed on ${name}: ${once.stderr.split('\n').slice(0, 3).join(' ')}`);
      const cold = JSON.parse(once.stdout) as DecodeOnly;
      const psRuns: Timed[] = [], decRuns: DecodeOnly[] = [];
      const decoder = new DecodeServer(root, data, ksyms);
      try {
        await decoder.run(); // warm-up, not counted
        for (let k = 0; k < repeat; k++) {
          const t = timed([`perf script -i '${data}' --kallsyms '${ksyms}' > /dev/null 2>&1`], true);
          if (t.status !== 0) throw new Error(`perf script failed on ${name}`);
          psRuns.push(t);
          decRuns.push(await decoder.run());
        }
      } finally {
        decoder.close();
      }
      const ps = fastest(psRuns, (t) => t.sec), dec = fastest(decRuns, (d) => d.sec);
      const cli = best(repeat, () => timed([process.execPath, join(root, 'bin', 'lockreplay.js'), 'replay', data, '--kallsyms', ksyms, '--workers', '1', '--format', 'json', '-o', report]));
      if (cli.status !== 0 && cli.status !== 1) throw new Error(`lockreplay failed on ${name} (status ${cli.status}): ${cli.stderr.split('\n').slice(0, 3).join(' ')}`);
      const row = {
        capture: name, bytes: statSync(data).size, events: dec.events, stackRows: dec.stackRows,
        perfScript: { wallSec: r3(ps.sec), medianWallSec: r3(median(psRuns.map((t) => t.sec))), cpuSec: r3(ps.cpuSec), peakRssMb: r2(ps.rssMb) },
        decodeOnly: {
          wallSec: r3(dec.sec), medianWallSec: r3(median(decRuns.map((d) => d.sec))), cpuSec: r3(dec.cpuSec),
          eventsPerSec: Math.round(dec.events / dec.sec), ratio: r2(ps.sec / dec.sec), cpuRatio: r2(ps.cpuSec / dec.cpuSec),
          medianRatio: r2(median(psRuns.map((t) => t.sec)) / median(decRuns.map((d) => d.sec))),
          coldWallSec: r3(cold.sec), coldRatio: r2(ps.sec / cold.sec),
        },
        replayCli: { wallSec: r3(cli.sec), cpuSec: r3(cli.cpuSec), peakRssMb: r2(cli.rssMb), ratio: r2(ps.sec / cli.sec), cpuRatio: r2(ps.cpuSec / cli.cpuSec) },
      };
      process.stderr.write(`${name} perf.data: perf script ${r3(ps.sec)} s (cpu ${r3(ps.cpuSec)}), decoder alone ${r3(dec.sec)} s (cpu ${r3(dec.cpuSec)}; cold first run ${r3(cold.sec)} s): ${row.decodeOnly.ratio}x (cpu ${row.decodeOnly.cpuRatio}x, medians ${row.decodeOnly.medianRatio}x, cold ${row.decodeOnly.coldRatio}x); whole replay ${r3(cli.sec)} s: ${row.replayCli.ratio}x\n`);
      results.push(row);
    } finally {
      for (const p of [data, ksyms, report]) rmSync(p, { force: true });
    }
  }
  return { target: { ratio: 5, perf: version, repeat, measure: 'decodeOnly.ratio: fastest perf script / fastest warm decode, run in turns' }, results };
}
