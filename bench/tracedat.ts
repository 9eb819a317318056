/**
 * The trace.dat side-by-side of `npm run bench` (alone: `npm run bench -- --tracedat-only`):
 * for each real trace.dat in ../shared/traces (none, abba, wq_flush), decompressed
 * from its .xz into a temp file first, the time of `trace-cmd report <file> >
 * /dev/null` against `lockreplay replay <file> --format json -o <tmp>` with
 * --workers 1 and 2, in the same run. Each command runs `repeat` times and the
 * fastest run counts (the machine is shared: the fastest is the least
 * disturbed). Ratio = trace-cmd seconds / lockreplay seconds (> 1: lockreplay is
 * faster); the CPU-second ratio is given too, as it depends less on the load.
 * The two reports must be byte-identical. `decodeOnlySec` is the trace.dat
 * decoder alone in this process (frames out, no replay, no report), the part
 * of the run that is trace.dat-specific.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openInput } from '../src/io/openInput.ts';
import { detectFormat } from '../src/decode/detectFormat.ts';
import { decodeTraceDat } from '../src/decode/tracedat/decodeTraceDat.ts';
import type { DecodeContext } from '../src/decode/decodeContext.ts';

export interface Timed { sec: number; cpuSec: number; rssMb: number; status: number | null; stderr: string }
export type TimeFn = (cmd: string[], shell?: boolean) => Timed;

const CAPTURES = ['none', 'abba', 'wq_flush'];
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Seconds the decoder takes to hand out every frame of the file (main thread, --workers 1). */
async function decodeOnly(path: string): Promise<{ sec: number; events: number }> {
  const t = performance.now();
  const input = await openInput(path);
  const ctx: DecodeContext = {
    index: 0, input, detection: detectFormat(input.head)!, frameBytes: 4 << 20, maxLineBytes: 1 << 20, workers: 1,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  let events = 0;
  for await (const f of decodeTraceDat(ctx)) events += f.batch.length;
  return { sec: (performance.now() - t) / 1000, events };
}

/** The fastest of n runs (the first failing one as soon as it fails). */
export function best(n: number, run: () => Timed): Timed {
  let b: Timed | undefined;
  for (let k = 0; k < n; k++) {
    const t = run();
    if (t.status !== 0 && t.status !== 1) return t;
    if (!b || t.sec < b.sec) b = t;
  }
  return b!;
}

export async function traceDatBench(root: string, timed: TimeFn, repeat: number): Promise<{ target: unknown; results: unknown[] }> {
  const results: unknown[] = [];
  const traceCmd = spawnSync('trace-cmd', ['--version'], { encoding: 'utf8' });
  if (traceCmd.error) {
    process.stderr.write('trace.dat bench skipped: trace-cmd is not installed\n');
    return { target: {}, results };
  }
  const version = /trace-cmd version (\S+)/.exec(traceCmd.stdout + traceCmd.stderr)?.[1] ?? '?';
  for (const name of CAPTURES) {
    const xz = join(root, '../shared/traces', name, 'trace.dat.xz');
    if (!existsSync(xz)) {
      process.stderr.write(`trace.dat bench: ${xz} absent, skipped\n`);
      continue;
    }
    const dat = join(tmpdir(), `lockreplay-bench-${process.pid}-${name}.dat`);
    const reports = [1, 2].map((w) => join(tmpdir(), `lockreplay-bench-${process.pid}-${name}-w${w}.json`));
    try {
      const x = spawnSync('sh', ['-c', `xz -dc '${xz}' > '${dat}'`]);
      if (x.status !== 0) throw new Error(`cannot decompress ${xz}`);
      const tc = best(repeat, () => timed([`trace-cmd report '${dat}' > /dev/null 2>&1`], true));
      if (tc.status !== 0) throw new Error(`trace-cmd report failed on ${name}`);
      const row: Record<string, unknown> = {
        capture: name, bytes: statSync(dat).size,
        traceCmdReport: { wallSec: r2(tc.sec), cpuSec: r2(tc.cpuSec), peakRssMb: r2(tc.rssMb) },
      };
      for (const [k, w] of [1, 2].entries()) {
        const r = best(repeat, () => timed([process.execPath, join(root, 'bin', 'lockreplay.js'), 'replay', dat, '--workers', String(w), '--format', 'json', '-o', reports[k]]));
        if (r.status !== 0 && r.status !== 1) throw new Error(`lockreplay failed on ${name} (status ${r.status}): ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
        const ratio = r2(tc.sec / r.sec), cpuRatio = r2(tc.cpuSec / r.cpuSec);
        row[`workers${w}`] = { wallSec: r2(r.sec), cpuSec: r2(r.cpuSec), peakRssMb: r2(r.rssMb), ratio, cpuRatio };
        process.stderr.write(`${name} trace.dat: trace-cmd report ${r2(tc.sec)} s, lockreplay --workers ${w} ${r2(r.sec)} s: ${ratio}x (cpu ${cpuRatio}x)\n`);
      }
      row.sameReport = readFileSync(reports[0]).equals(readFileSync(reports[1]));
      let dec = await decodeOnly(dat);
      for (let k = 1; k < repeat; k++) {
        const d = await decodeOnly(dat);
        if (d.sec < dec.sec) dec = d;
      }
      row.decodeOnly = { sec: r2(dec.sec), events: dec.events, eventsPerSec: Math.round(dec.events / dec.sec), ratio: r2(tc.sec / dec.sec) };
      process.stderr.write(`${name} trace.dat: decoder alone ${r2(dec.sec)} s (${Math.round(dec.events / dec.sec)} events/s): ${r2(tc.sec / dec.sec)}x trace-cmd report\n`);
      results.push(row);
    } finally {
      rmSync(dat, { force: true });
      for (const p of reports) rmSync(p, { force: true });
    }
  }
  return { target: { ratio: 5, traceCmd: version, repeat }, results };
}
