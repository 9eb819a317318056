/**
 * Worker task: decode one frame of ftrace text. A fresh decoder per frame, so
 * the batch carries all its own strings from ID 1 and results can be remapped
 * in frame order on the main thread whatever worker decoded them. The batch
 * columns are moved back (transfer list), never structured-cloned.
 */
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { batchTransferList } from '../src/model/batch.ts';
import { FtraceTextDecoder, type FtraceTextOptions } from '../src/decode/ftrace/ftraceTextDecoder.ts';
import type { FrameTask, FrameResult } from '../src/pipeline/parallelTypes.ts';

export default function decodeFrame(t: FrameTask): unknown {
  const t0 = performance.now();
  const opts: FtraceTextOptions = { instanceMode: t.instanceMode, instance: t.instance, maxLineBytes: t.maxLineBytes };
  const frame = new FtraceTextDecoder(t.input, opts).decode(t.buf, t.firstLine, t.seq);
  const result: FrameResult = { frame, busyMs: performance.now() - t0 };
  return Piscina.move({
    [Piscina.transferableSymbol]: batchTransferList(frame.batch),
    [Piscina.valueSymbol]: result,
  } as unknown as ArrayBuffer);
}
