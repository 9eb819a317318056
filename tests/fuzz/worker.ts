/**
 * Fuzz worker: runs cases [from, to) of one format and reports crashes.
 * Progress goes through shared memory (slot layout below) so the main thread
 * can spot a case that overruns its time budget and terminate this worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../src/model/inputError.ts';
import type { TraceFormat } from '../../src/decode/detectFormat.ts';
import { buildCase, runCase } from './fuzzCase.ts';

export interface WorkerJob {
  format: TraceFormat;
  seeds: Uint8Array[];
  from: number;
  to: number;
  salt: number;
  budgetMs: number;
  /** Float64Array over a SharedArrayBuffer: [current case, its start time (ms), cases done, crashes, slow cases, loaded, cases that decoded a call stack] */
  progress: SharedArrayBuffer;
}

const job = workerData as WorkerJob;
const seeds = job.seeds.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
const p = new Float64Array(job.progress);
p[5] = 1; // loaded: from here on, an error is a finding, not a harness failure

for (let n = job.from; n < job.to; n++) {
  p[0] = n;
  p[1] = Date.now();
  const c = buildCase(seeds, n, job.salt);
  const t0 = performance.now();
  const reach = { stacks: 0 };
  try {
    await runCase(job.format, c, n % 8 === 0, n % 64 === 0, reach);
  } catch (e) {
    if (!(e instanceof InputError)) {
      p[3]++;
      parentPort!.postMessage({
        type: 'crash', format: job.format, case: n, seedIndex: c.seedIndex, mutations: c.mutations,
        error: String((e as Error)?.stack ?? e), input: c.input,
      });
    }
  }
  if (performance.now() - t0 > job.budgetMs) {
    p[4]++;
    parentPort!.postMessage({ type: 'slow', format: job.format, case: n, ms: performance.now() - t0 });
  }
  if (reach.stacks > 0) p[6]++;
  p[2]++;
}
parentPort!.postMessage({ type: 'done' });
