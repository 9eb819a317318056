/**
 * Worker task: the next frame of a trace.dat (src/decode/tracedat/parallelTraceDat.ts).
 * One TraceDatDecoder per run and input, kept across tasks: the merge of the
 * per-CPU streams is sequential, so every task of a run comes to this one
 * worker, in order, and resumes where the previous one stopped. The batch
 * columns go back by transfer (Piscina.move), never structured-cloned. Input
 * errors go back as values: an Error crossing the thread boundary loses its
 * class, and the main thread must print the same one-line message.
 */
import { Piscina } from 'piscina';
import { batchTransferList } from '../src/model/batch.ts';
import { InputError } from '../src/model/inputError.ts';
import { loadDecompressors } from '../src/decode/tracedat/decompress.ts';
import { readKallsymsFile } from '../src/decode/tracedat/kallsyms.ts';
import { RandomAccess } from '../src/decode/tracedat/randomAccess.ts';
import { TraceDatDecoder } from '../src/decode/tracedat/traceDatDecoder.ts';
import type { TraceDatResult, TraceDatTask } from '../src/decode/tracedat/parallelTraceDat.ts';

let open: { key: string; file: RandomAccess; decoder: TraceDatDecoder } | undefined;
/** The run:input decoded to its end (or failed), and its frame count: requests still queued for it get the end, not a restart. */
let finished = '';
let finishedFrames = 0;

function close(): void {
  open?.file.close();
  open = undefined;
}

async function openDecoder(t: TraceDatTask, key: string): Promise<void> {
  await loadDecompressors();
  const kallsyms = t.kallsyms === undefined ? undefined : await readKallsymsFile(t.kallsyms);
  const file = RandomAccess.reopen(t.path, t.name);
  try {
    open = { key, file, decoder: new TraceDatDecoder(file, t.input, t.frameBytes, t.instance, kallsyms) };
  } catch (e) {
    file.close();
    throw e;
  }
}

/**
 * Requests taken together (piscina's atomics loop starts every queued one)
 * run one after another, each in its own turn of the event loop: the first one
 * opens the decoder the others resume, and piscina posts an answer only after
 * the task's promise settles, so without the turn the first frames all waited
 * for the later ones, with the main thread idle.
 */
let turn: Promise<void> = Promise.resolve();

export default async function nextFrame(t: TraceDatTask): Promise<unknown> {
  const mine = turn;
  let done!: () => void;
  turn = new Promise((r) => (done = r));
  try {
    await mine;
    return await decodeNext(t);
  } finally {
    setImmediate(done);
  }
}

async function decodeNext(t: TraceDatTask): Promise<unknown> {
  const key = `${t.run}:${t.input}`;
  if (key === finished) return { frames: finishedFrames } satisfies TraceDatResult;
  try {
    if (open?.key !== key) {
      close(); // a new run or input: the old decoder will never be asked again
      await openDecoder(t, key);
    }
    const decoder = open!.decoder;
    const frame = decoder.next(t.columns);
    const result: TraceDatResult = { summary: decoder.summary };
    if (!frame) {
      finished = key;
      finishedFrames = result.frames = decoder.frames;
      close();
      return result;
    }
    result.frame = frame;
    return Piscina.move({
      [Piscina.transferableSymbol]: batchTransferList(frame.batch),
      [Piscina.valueSymbol]: result,
    } as unknown as ArrayBuffer);
  } catch (e) {
    finished = key;
    finishedFrames = 0;
    close();
    if (e instanceof InputError) return { error: { input: e.input, position: e.position, detail: e.detail } } satisfies TraceDatResult;
    throw e;
  }
}
