/**
 * lockreplay's perf.data decoder alone (bench/perfdata.ts's `decodeOnly`): every frame handed out, no
 * replay. Run as a script (`node --import tsx bench/perfdataDecodeOnly.ts FILE KALLSYMS`) it decodes once
 * in this fresh process and prints the figures as JSON: the cold run, timed without Node's own start.
 * With `--serve` it decodes again for each line read on stdin, a JSON line out for each: the warm runs,
 * in a process that never forks. (Timed in the process that spawns `perf script`, the decoder ran ~2x
 * slower after each spawn than without: libuv forks, and every page the parent then writes faults once.)
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openInput } from '../src/io/openInput.ts';
import { detectFormat } from '../src/decode/detectFormat.ts';
import { decodePerfData } from '../src/decode/perfdata/decodePerfData.ts';
import type { DecodeContext } from '../src/decode/decodeContext.ts';

export interface DecodeOnly {
  sec: number;
  cpuSec: number;
  events: number;
  stackRows: number;
}

/** Wall and CPU seconds the decoder takes to hand out every frame of the file (this thread). */
export async function decodeOnly(path: string, kallsyms: string): Promise<DecodeOnly> {
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, kallsyms, mode] = process.argv.slice(2);
  if (mode === '--serve') {
    for await (const _ of createInterface({ input: process.stdin })) process.stdout.write(JSON.stringify(await decodeOnly(file, kallsyms)) + '\n');
  } else {
    process.stdout.write(JSON.stringify(await decodeOnly(file, kallsyms)) + '\n');
  }
}
