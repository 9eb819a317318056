/**
 * trace.dat decoded on a worker thread while this thread replays. The merge of
 * the per-CPU streams is one sequential pass, so one worker does all of it
 * (read, zstd, merge, record decoding, interning) with one long-lived
 * TraceDatDecoder, and the replay on the main thread overlaps with it: with
 * four frames requested ahead, the worker decodes the next ones while one is
 * being replayed. The worker may take several requests at once (piscina's
 * atomics loop starts every queued message) and answer them out of order, so
 * frames are put back in order by their seq; they are the very frames the
 * main-thread decoder would make, so the report is the same for any --workers.
 * The column buffers of each replayed frame go back to the worker with a
 * later request (model/columnPool.ts), so frames cost no allocation.
 *
 * The worker opens the file by path (RandomAccess.path: the input, or the temp
 * copy of compressed/stdin input that this thread's RandomAccess owns and
 * deletes when the generator ends). Input errors come back as values and are
 * rethrown here as the same InputError; anything else the worker throws
 * becomes an InputError naming the input, and the pool is destroyed either way.
 */
import { Piscina } from 'piscina';
import { InputError, type Position } from '../../model/inputError.ts';
import { decodeWorkerEntry } from '../../pipeline/parallelWorkerEntry.ts';
import type { DecodedFrame } from '../decoder.ts';
import { ColumnPool } from '../../model/columnPool.ts';
import type { DecodeContext } from '../decodeContext.ts';
import type { RandomAccess } from './randomAccess.ts';
import type { TraceDatSummary } from './traceDatDecoder.ts';

/** Frames requested ahead of the one being replayed. */
const AHEAD = 4;

export interface TraceDatTask {
  /** One pool run: a worker never resumes a decoder of another run. */
  run: number;
  input: number;
  /** File to open, and the input name for messages. */
  path: string;
  name: string;
  frameBytes: number;
  instance?: string;
  /** --kallsyms: the file the worker reads when the trace.dat stores no kallsyms. */
  kallsyms?: string;
  /** Column buffers of a frame this thread has replayed, transferred back for the worker's next frame. */
  columns?: ArrayBuffer[];
}

export interface TraceDatResult {
  /** The next frame; absent after the last one. */
  frame?: DecodedFrame;
  /** After the last frame: how many frames the run produced. */
  frames?: number;
  summary?: TraceDatSummary;
  error?: { input: string; position: Position; detail: string };
}

let runs = 0;

export async function* decodeTraceDatOnWorker(ctx: DecodeContext, file: RandomAccess, workerFile?: string): AsyncGenerator<DecodedFrame> {
  const pool = new Piscina({
    filename: workerFile ?? (await decodeWorkerEntry('decodeTraceDat')),
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: 60_000,
    // All requests ahead go to the worker at once: with one at a time, piscina hands the next one over
    // only when this thread's event loop has taken the previous answer, i.e. between two replayed
    // frames, and the worker sat idle a third of the run. The worker decodes them one after another.
    concurrentTasksPerWorker: AHEAD,
  });
  const task: TraceDatTask = { run: ++runs, input: ctx.index, path: file.path, name: file.name, frameBytes: ctx.frameBytes, instance: ctx.instance, kallsyms: ctx.kallsyms };
  const pending: Promise<TraceDatResult>[] = [];
  const columns = new ColumnPool(AHEAD);
  const request = (): void => {
    const cols = columns.take();
    const p = (cols.length ? pool.run({ ...task, columns: cols }, { transferList: cols }) : pool.run(task)) as Promise<TraceDatResult>;
    p.catch(() => {}); // handled when taken; avoids unhandled rejections after an early exit
    pending.push(p);
  };
  // piscina may hand the worker several requests at once (its atomics loop reads every queued message),
  // and their answers may then come back in another order: frames are put back in order by seq.
  const early = new Map<number, DecodedFrame>();
  let nextSeq = 0;
  let total = -1;
  try {
    for (let k = 0; k < AHEAD; k++) request();
    for (;;) {
      for (let f = early.get(nextSeq); f; f = early.get(nextSeq)) {
        early.delete(nextSeq++);
        yield f;
        columns.put(f.batch); // replayed: its buffers go back with a later request
      }
      if (total >= 0 && nextSeq >= total) return;
      let r: TraceDatResult;
      try {
        r = await pending.shift()!;
      } catch (e) {
        const msg = String((e as Error)?.message ?? e).split('\n')[0];
        throw new InputError(file.name, undefined, `trace.dat decode worker failed (${msg})`);
      }
      if (r.error) throw new InputError(r.error.input, r.error.position, r.error.detail);
      if (r.summary) Object.assign(ctx.summary, r.summary);
      if (r.frame) {
        early.set(r.frame.batch.seq, r.frame);
        if (total < 0) request();
      } else if (r.frames !== undefined) {
        total = r.frames;
      }
      if (total < 0 && pending.length === 0) request();
    }
  } finally {
    // Requests still out (the ones asked ahead) must settle before the pool goes: piscina
    // treats an answer arriving during destroy() as an error.
    await Promise.allSettled(pending);
    await pool.destroy();
  }
}
