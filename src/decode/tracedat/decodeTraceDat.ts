/**
 * Registry entry for trace-cmd's binary trace.dat (versions 6 and 7): opens
 * the file for random access (a small stream in memory) and hands out the frames of TraceDatDecoder,
 * decoded here (--workers 1, or a small file) or on a worker thread that runs
 * alongside the replay (parallelTraceDat.ts). Both give the same frames.
 */
import type { DecodedFrame } from '../decoder.ts';
import { batchTransferList } from '../../model/batch.ts';
import type { DecodeContext } from '../decodeContext.ts';
import { loadDecompressors } from './decompress.ts';
import { readKallsymsFile } from './kallsyms.ts';
import { decodeTraceDatOnWorker } from './parallelTraceDat.ts';
import { RandomAccess } from './randomAccess.ts';
import { TraceDatDecoder } from './traceDatDecoder.ts';

export { irqBitsOfCommonFlags } from './recordDecoder.ts';

/**
 * Below this many (decompressed) bytes a worker costs more to start (~0.1 s:
 * thread, bundle, zstd) than it saves: such a file decodes in a few
 * tens of milliseconds.
 */
export const WORKER_MIN_BYTES = 16 << 20;

export interface TraceDatPaths {
  /** Files at least this large go to the worker when ctx.workers > 1 (tests lower it). */
  workerMinBytes?: number;
  /** Worker entry point override (tests). */
  workerFile?: string;
}

export function decodeTraceDat(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  return decodeTraceDatWith(ctx, {});
}

export async function* decodeTraceDatWith(ctx: DecodeContext, paths: TraceDatPaths): AsyncGenerator<DecodedFrame> {
  // A stream (compressed file, stdin) too small for the worker is read into memory, not copied to a temp file.
  const file = await RandomAccess.open(ctx.input, 'trace.dat', WORKER_MIN_BYTES);
  try {
    ctx.summary.positions = 'byte';
    ctx.summary.bytes = file.size;
    // the worker opens the file by path: one kept in memory has none
    if (ctx.workers > 1 && file.size >= (paths.workerMinBytes ?? WORKER_MIN_BYTES) && file.path !== '') {
      yield* decodeTraceDatOnWorker(ctx, file, paths.workerFile);
      return;
    }
    await loadDecompressors();
    const kallsyms = ctx.kallsyms === undefined ? undefined : await readKallsymsFile(ctx.kallsyms);
    const decoder = new TraceDatDecoder(file, ctx.index, ctx.frameBytes, ctx.instance, kallsyms);
    Object.assign(ctx.summary, decoder.summary);
    // a frame is done with when the next is asked for: its columns hold the next one
    for (let f = decoder.next(); f; f = decoder.next(batchTransferList(f.batch))) yield f;
  } finally {
    file.close();
  }
}
