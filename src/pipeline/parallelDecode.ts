/**
 * Stages frame + decode + remap for ftrace-style text, on the main thread
 * (workers = 1: one decoder, today's path) or on a piscina pool (workers > 1).
 * Yields batches already remapped to global string IDs.
 *
 * Parallel form: each frame is copied into a recycled buffer and transferred
 * to a worker, which decodes it with its own long-lived decoder and moves the
 * batch columns and the buffer back. Results are taken strictly in frame
 * order; at most `workers` frames are in flight, so piscina never queues a
 * task and each worker receives its frames in increasing order (backpressure
 * and bounded memory come with it).
 *
 * String order: batches are taken in frame order and remapped with their
 * worker's own LocalRemap, so every string is interned globally at its first
 * appearance in the input, exactly as with the single decoder: the report is
 * the same for any worker count or frame size. Should a worker ever have
 * decoded its frames out of order (its `order` is not the next expected), its
 * batches can no longer be remapped; those frames are decoded again here with
 * a fresh decoder (slower, still exact).
 *
 * A worker that crashes or is killed rejects its task; that becomes an
 * InputError naming the frame, and the pool is destroyed so nothing is left
 * to hang the process.
 */
import { Piscina } from 'piscina';
import { frameLines, type Frame } from '../io/lineFramer.ts';
import { InputError } from '../model/inputError.ts';
import { LocalRemap, type GlobalStrings } from '../model/globalStrings.ts';
import { FtraceTextDecoder } from '../decode/ftrace/ftraceTextDecoder.ts';
import { ftraceTextOptions } from '../decode/ftrace/decodeFtraceText.ts';
import type { DecodedFrame } from '../decode/decoder.ts';
import type { DecodeContext } from '../decode/registry.ts';
import type { FrameResult, FrameTask } from './parallelTypes.ts';
import type { Profiler } from './profile.ts';
import { decodeWorkerEntry } from './parallelWorkerEntry.ts';

/** Upper bound on frame bytes in flight, so huge --chunk-size values still bound memory. */
const IN_FLIGHT_BYTES = 64 << 20;

let runs = 0;

export interface FrameHooks {
  profiler?: Profiler;
  /** Worker entry point (tests substitute a crashing one). */
  workerFile?: string;
}

export async function* decodeFtraceFrames(ctx: DecodeContext, strings: GlobalStrings, hooks: FrameHooks = {}): AsyncGenerator<DecodedFrame> {
  const opts = ftraceTextOptions(ctx);
  const prof = hooks.profiler;
  const chunks = prof ? prof.timeChunks(ctx.input.chunks) : ctx.input.chunks;
  const frames = timedFrames(frameLines(chunks, ctx.frameBytes, ctx.maxLineBytes), prof);

  if (ctx.workers <= 1) {
    const decoder = new FtraceTextDecoder(ctx.index, opts);
    const remap = new LocalRemap(strings);
    for await (const frame of frames) {
      ctx.summary.bytes += frame.buf.length;
      let t = prof?.start();
      const d = decoder.decode(frame.buf, frame.firstLine);
      if (prof && t) {
        prof.end('decode', t);
        t = prof.start();
      }
      remap.apply(d.batch);
      if (prof && t) prof.end('remap', t);
      yield d;
    }
    return;
  }

  const workers = ctx.workers;
  const pool = new Piscina({
    filename: hooks.workerFile ?? (await decodeWorkerEntry()),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  const run = ++runs;
  const window = Math.max(1, Math.min(workers, Math.floor(IN_FLIGHT_BYTES / ctx.frameBytes)));
  const pending: { p: Promise<FrameResult>; firstLine: number; length: number }[] = [];
  const remaps = new Map<number, { remap: LocalRemap; next: number }>();
  const poisoned = new Set<number>();
  const spare: ArrayBuffer[] = [];
  let seq = 0;

  const submit = (frame: Frame): void => {
    // Copy into a recycled buffer: frame.buf may share memory with other frames, so it cannot be transferred itself.
    const len = frame.buf.length;
    let ab = spare.pop();
    if (!ab || ab.byteLength < len) ab = new ArrayBuffer(Math.max(len, ctx.frameBytes + (ctx.frameBytes >> 2)));
    const buf = new Uint8Array(ab);
    buf.set(frame.buf);
    const task: FrameTask = {
      run, buf, length: len, firstLine: frame.firstLine, seq: seq++, input: ctx.index, opts,
    };
    const p = pool.run(task, { transferList: [ab] }) as Promise<FrameResult>;
    p.catch(() => {}); // handled when taken; avoids unhandled rejections after an early exit
    pending.push({ p, firstLine: frame.firstLine, length: len });
  };

  const take = async (): Promise<DecodedFrame> => {
    const { p, firstLine, length } = pending.shift()!;
    let t = prof?.start();
    let r: FrameResult;
    try {
      r = await p;
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split('\n')[0];
      throw new InputError(ctx.input.name, { line: firstLine }, `decode worker failed on the frame starting here (${msg})`);
    }
    if (prof && t) {
      // Main-thread decode wall is waiting for the frame; decode CPU is the workers' busy time, not process CPU meanwhile.
      const cpu = prof.stages.decode.cpuMs;
      prof.end('decode', t);
      prof.stages.decode.cpuMs = cpu + r.busyMs;
      prof.workerBusyMs += r.busyMs;
      t = prof.start();
    }
    let frame = r.frame;
    let w = remaps.get(r.worker);
    if (!w) remaps.set(r.worker, (w = { remap: new LocalRemap(strings), next: 0 }));
    if (r.order !== w.next) poisoned.add(r.worker);
    w.next = r.order + 1;
    if (poisoned.has(r.worker)) {
      const fresh = new FtraceTextDecoder(ctx.index, opts);
      frame = fresh.decode(r.buf.subarray(0, length), firstLine, r.frame.batch.seq);
      new LocalRemap(strings).apply(frame.batch);
    } else {
      w.remap.apply(frame.batch);
    }
    spare.push(r.buf.buffer as ArrayBuffer);
    if (prof && t) prof.end('remap', t);
    return frame;
  };

  try {
    const it = frames[Symbol.asyncIterator]();
    let more = true;
    const next = async (): Promise<void> => {
      const r = await it.next();
      if (r.done) {
        more = false;
        return;
      }
      ctx.summary.bytes += r.value.buf.length;
      submit(r.value);
    };
    while (more && pending.length < window) await next();
    while (pending.length) {
      const d = await take();
      // Refill before handing the batch on, so workers decode while the caller replays.
      if (more) await next();
      yield d;
    }
  } finally {
    await pool.destroy();
  }
}

/** Times waiting for each frame as the "frame" stage, minus the read time inside it. */
async function* timedFrames(src: AsyncGenerator<Frame>, prof: Profiler | undefined): AsyncGenerator<Frame> {
  if (!prof) {
    yield* src;
    return;
  }
  const read = prof.stages['read+decompress'];
  for (;;) {
    const rw = read.wallMs, rc = read.cpuMs;
    const t = prof.start();
    const r = await src.next();
    prof.end('frame', t);
    prof.subtract('frame', read.wallMs - rw, read.cpuMs - rc);
    if (r.done) return;
    yield r.value;
  }
}
