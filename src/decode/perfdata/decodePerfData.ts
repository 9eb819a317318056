/**
 * Registry entry for perf.data (file or pipe mode): opens the input for
 * random access (the tracing data sits after the samples in file mode) and
 * hands out PerfDataDecoder's frames. A small stream (compressed file,
 * stdin) is kept in memory rather than copied to a temp file.
 */
import { batchTransferList } from '../../model/batch.ts';
import type { DecodedFrame } from '../decoder.ts';
import type { DecodeContext } from '../decodeContext.ts';
import { readKallsymsFile } from '../tracedat/kallsyms.ts';
import { RandomAccess } from '../tracedat/randomAccess.ts';
import { PerfDataDecoder } from './perfDataDecoder.ts';

/** Streams that end within this many bytes are read into memory. */
const IN_MEMORY_BELOW = 64 << 20;

export async function* decodePerfData(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  const kallsyms = ctx.kallsyms === undefined ? undefined : await readKallsymsFile(ctx.kallsyms);
  const file = await RandomAccess.open(ctx.input, 'perf.data', IN_MEMORY_BELOW);
  try {
    const decoder = new PerfDataDecoder(file, ctx.index, ctx.frameBytes, kallsyms);
    Object.assign(ctx.summary, decoder.summary);
    if (ctx.kallsyms === undefined) ctx.summary.notes.push('no --kallsyms: workqueue functions print as addresses (perf.data stores no kallsyms)');
    for (let f = decoder.next(); f; f = decoder.next(batchTransferList(f.batch))) yield f;
  } finally {
    file.close();
  }
}
