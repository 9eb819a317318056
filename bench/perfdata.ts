/**
 * The perf.data side-by-side of `npm run bench` (alone: `npm run bench -- --perfdata-only`): for each
 * perf.data in ../shared/traces (none, abba/perf_rerun, the *-stacks captures), decompressed from its .xz
 * into a temp file first (and its kallsyms.txt.xz beside it), the time of `perf script -i <file> --kallsyms
 * <k> > /dev/null` against lockreplay's perf.data decoder alone in this process (`decodeOnly`: every
 * frame out, no replay: "reading perf.data") and against the whole `lockreplay replay <file> --workers 1`
 * CLI run (reading, replay, analysis, report). Each runs `repeat` times and the fastest counts (the
 * machine is shared: the fastest is the least disturbed); CPU seconds are given too, as they depend less
 * on the load. Ratio = perf script seconds / lockreplay seconds (> 1: lockreplay is faster).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openInput } from '../src/io/openInput.ts';
import { detectFormat } from '../src/decode/detectFormat.ts';
import { decodePerfData } from '../src/decode/perfdata/decodePerfData.ts';
import type { DecodeContext } from '../src/decode/decodeContext.ts';
import { best, type TimeFn } from './tracedat.ts';

const CAPTURES = ['none', 'abba/perf_rerun', 'abba-stacks/perf', 'wq_flush-stacks/perf', 'irq_inversion-stacks/perf'];
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Wall and CPU seconds the decoder takes to hand out every frame of the file (this thread). */
async function decodeOnly(path: string, kallsyms: string): Promise<{ sec: number; cpuSec: number; events: number; stackRows: number }> {
  const t = performance.now();
  const c0 = process.cpuUsage();
  const input = await openInput(path);
  const ctx: DecodeContext = {
    index: 0, input, detection: detectFormat(input.head)!, frameBytes: 4 << 20, maxLineBytes: 1 << 20, workers: 1, kallsyms,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  let events = 0, stackRows = 0;
  for await (const f of decodePerfData(ctx)) {
    // callchains come out as Stack + StackFrame rows beside the events
    stackRows += f.batch.stackRows ?? 0;
    events += f.batch.length - (f.batch.stackRows ?? 0);
  }
  const c = process.cpuUsage(c0);
  return { sec: (performance.now() - t) / 1000, cpuSec: (c.user + c.system) / 1e6, events, stackRows };
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
      const ps = best(repeat, () => timed([`perf script -i '${data}' --kallsyms '${ksyms}' > /dev/null 2>&1`], true));
      if (ps.status !== 0) throw new Error(`perf script failed on ${name}`);
      let dec = await decodeOnly(data, ksyms);
      for (let k = 1; k < repeat; k++) {
        const d = await decodeOnly(data, ksyms);
        if (d.sec < dec.sec) dec = d;
      }
      const cli = best(repeat, () => timed([process.execPath, join(root, 'bin', 'lockreplay.js'), 'replay', data, '--kallsyms', ksyms, '--workers', '1', '--format', 'json', '-o', report]));
      if (cli.status !== 0 && cli.status !== 1) throw new Error(`lockreplay failed on ${name} (status ${cli.status}): ${cli.stderr.split('\n').slice(0, 3).join(' ')}`);
      const row = {
        capture: name, bytes: statSync(data).size, events: dec.events, stackRows: dec.stackRows,
        perfScript: { wallSec: r3(ps.sec), cpuSec: r3(ps.cpuSec), peakRssMb: r2(ps.rssMb) },
        decodeOnly: { wallSec: r3(dec.sec), cpuSec: r3(dec.cpuSec), eventsPerSec: Math.round(dec.events / dec.sec), ratio: r2(ps.sec / dec.sec), cpuRatio: r2(ps.cpuSec / dec.cpuSec) },
        replayCli: { wallSec: r3(cli.sec), cpuSec: r3(cli.cpuSec), peakRssMb: r2(cli.rssMb), ratio: r2(ps.sec / cli.sec), cpuRatio: r2(ps.cpuSec / cli.cpuSec) },
      };
      process.stderr.write(`${name} perf.data: perf script ${r3(ps.sec)} s (cpu ${r3(ps.cpuSec)}), decoder alone ${r3(dec.sec)} s (cpu ${r3(dec.cpuSec)}): ${row.decodeOnly.ratio}x (cpu ${row.decodeOnly.cpuRatio}x); whole replay ${r3(cli.sec)} s: ${row.replayCli.ratio}x\n`);
      results.push(row);
    } finally {
      for (const p of [data, ksyms, report]) rmSync(p, { force: true });
    }
  }
  return { target: { ratio: 5, perf: version, repeat }, results };
}
