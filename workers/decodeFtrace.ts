/**
 * Worker task: decode one raw block of ftrace text (the block contract of
 * src/pipeline/parallelDecode.ts: the complete lines inside the block; the
 * partial lines at its ends are the main thread's). One decoder per input per
 * worker, kept across blocks: its interner then only ships strings new to
 * this worker. That is safe because a worker decodes its blocks in
 * increasing order and the main thread remaps each worker's batches with that
 * worker's own LocalRemap, in block order. The batch columns and the block's
 * buffer go back by transfer (Piscina.move), never structured-cloned.
 */
import { threadId } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { batchTransferList } from '../src/model/batch.ts';
import { FtraceTextDecoder } from '../src/decode/ftrace/ftraceTextDecoder.ts';
import type { BlockTask, BlockResult } from '../src/pipeline/parallelTypes.ts';

const decoders = new Map<string, { decoder: FtraceTextDecoder; order: number }>();

export default function decodeBlock(t: BlockTask): unknown {
  const t0 = performance.now();
  const key = `${t.run}:${t.input}`;
  let d = decoders.get(key);
  if (!d) {
    decoders.clear(); // a new run or input: the old decoders will never be used again
    const decoder = new FtraceTextDecoder(t.input, t.opts);
    decoders.set(key, (d = { decoder, order: 0 }));
  }
  // The batch goes out in the decoder's own columns, which continue in the ones that came back with this task.
  const block = d.decoder.decodeBlock(t.buf.subarray(0, t.length), t.startsLine, t.seq, t.columns ?? []);
  const result: BlockResult = { block, worker: threadId, order: d.order++, buf: t.buf, busyMs: performance.now() - t0 };
  return Piscina.move({
    [Piscina.transferableSymbol]: [...batchTransferList(block.frame.batch), t.buf.buffer],
    [Piscina.valueSymbol]: result,
  } as unknown as ArrayBuffer);
}
