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
import { RandomAccess } from '../src/decode/tracedat/randomAccess.ts';
import { TraceDatDecoder } from '../src/decode/tracedat/traceDatDecoder.ts';
import type { TraceDatResult, TraceDatTask } from '../src/decode/tracedat/parallelTraceDat.ts';

let open: { key: string; file: RandomAccess; decoder: TraceDatDecoder } | undefined;
/** The run:input decoded to its end (or failed): requests still queued for it get the end, not a restart. */
let finished = '';

function close(): void {
  open?.file.close();
  open = undefined;
}

export default async function nextFrame(t: TraceDatTask): Promise<unknown> {
  const key = `${t.run}:${t.input}`;
  if (key === finished) return {} satisfies TraceDatResult;
  try {
    if (open?.key !== key) {
      close(); // a new run or input: the old decoder will never be asked again
      await loadDecompressors();
      const file = RandomAccess.reopen(t.path, t.name);
      try {
        open = { key, file, decoder: new TraceDatDecoder(file, t.input, t.frameBytes, t.instance) };
      } catch (e) {
        file.close();
        throw e;
      }
    }
    const frame = open.decoder.next();
    const result: TraceDatResult = { summary: open.decoder.summary };
    if (!frame) {
      finished = key;
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
    close();
    if (e instanceof InputError) return { error: { input: e.input, position: e.position, detail: e.detail } } satisfies TraceDatResult;
    throw e;
  }
}
