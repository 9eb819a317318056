/**
 * Worker task: decode one frame of ftrace text. One decoder per input per
 * worker, kept across frames: its interner then only ships strings new to
 * this worker, and its column buffers are reused. That is safe because a
 * worker decodes its frames in increasing order and the main thread remaps
 * each worker's batches with that worker's own LocalRemap, in frame order
 * (see src/pipeline/parallelDecode.ts). The batch columns and the frame's
 * buffer go back by transfer (Piscina.move), never structured-cloned.
 */
import { threadId } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { batchTransferList } from '../src/model/batch.ts';
import { FtraceTextDecoder } from '../src/decode/ftrace/ftraceTextDecoder.ts';
import type { FrameTask, FrameResult } from '../src/pipeline/parallelTypes.ts';

const decoders = new Map<string, { decoder: FtraceTextDecoder; order: number }>();

export default function decodeFrame(t: FrameTask): unknown {
  const t0 = performance.now();
  const key = `${t.run}:${t.input}`;
  let d = decoders.get(key);
  if (!d) {
    decoders.clear(); // a new run or input: the old decoders will never be used again
    const decoder = new FtraceTextDecoder(t.input, t.opts);
    decoders.set(key, (d = { decoder, order: 0 }));
  }
  const frame = d.decoder.decode(t.buf.subarray(0, t.length), t.firstLine, t.seq);
  const result: FrameResult = { frame, worker: threadId, order: d.order++, buf: t.buf, busyMs: performance.now() - t0 };
  return Piscina.move({
    [Piscina.transferableSymbol]: [...batchTransferList(frame.batch), t.buf.buffer],
    [Piscina.valueSymbol]: result,
  } as unknown as ArrayBuffer);
}
