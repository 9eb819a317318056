/**
 * Stages frame + decode for ftrace-style text, on the main thread
 * (workers = 1: one decoder, today's path) or on a piscina pool (workers > 1).
 *
 * Parallel form: each frame is copied into its own buffer and transferred to a
 * worker, which decodes it with a fresh decoder (so every batch carries its own
 * strings from ID 1) and moves the batch columns back. Results are taken
 * strictly in frame order through a bounded in-flight window (backpressure,
 * bounded memory), so the remap and replay downstream see exactly the
 * sequence the single-thread path produces. A worker that crashes or is
 * killed rejects its task; that becomes an InputError naming the frame, and
 * the pool is destroyed so nothing is left to hang the process.
 */
import { Piscina } from 'piscina';
import { frameLines, type Frame } from '../io/lineFramer.ts';
import { InputError } from '../model/inputError.ts';
import { FtraceTextDecoder } from '../decode/ftrace/ftraceTextDecoder.ts';
import type { DecodedFrame } from '../decode/decoder.ts';
import type { DecodeContext } from '../decode/registry.ts';
import type { FrameResult, FrameTask } from './parallelTypes.ts';
import type { Profiler } from './profile.ts';
import { decodeWorkerEntry } from './parallelWorkerEntry.ts';

/** Frames in flight per worker: enough to keep workers busy while the main thread replays. */
const IN_FLIGHT_PER_WORKER = 2;
/** Upper bound on frame bytes in flight, so huge --chunk-size values still bound memory. */
const IN_FLIGHT_BYTES = 64 << 20;

export interface FrameHooks {
  profiler?: Profiler;
  /** Worker entry point (tests substitute a crashing one). */
  workerFile?: string;
}

export async function* decodeFtraceFrames(ctx: DecodeContext, hooks: FrameHooks = {}): AsyncGenerator<DecodedFrame> {
  const det = ctx.detection;
  const instance = ctx.instance ?? (det.instanceMode ? det.firstInstance : undefined);
  if (instance !== undefined) ctx.summary.instance = instance;
  const prof = hooks.profiler;
  const chunks = prof ? prof.timeChunks(ctx.input.chunks) : ctx.input.chunks;
  const frames = timedFrames(frameLines(chunks, ctx.frameBytes, ctx.maxLineBytes), prof);

  if (ctx.workers <= 1) {
    const decoder = new FtraceTextDecoder(ctx.index, { instanceMode: !!det.instanceMode, instance, maxLineBytes: ctx.maxLineBytes });
    for await (const frame of frames) {
      ctx.summary.bytes += frame.buf.length;
      const t = prof?.start();
      const d = decoder.decode(frame.buf, frame.firstLine);
      if (prof && t) prof.end('decode', t);
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
  const window = Math.max(2, Math.min(workers * IN_FLIGHT_PER_WORKER, Math.floor(IN_FLIGHT_BYTES / ctx.frameBytes)));
  const pending: { p: Promise<FrameResult>; firstLine: number }[] = [];
  let seq = 0;

  const submit = (frame: Frame): void => {
    const buf = new Uint8Array(frame.buf); // private copy: frame.buf may share memory with other frames
    const task: FrameTask = {
      buf, firstLine: frame.firstLine, seq: seq++, input: ctx.index,
      instanceMode: !!det.instanceMode, instance, maxLineBytes: ctx.maxLineBytes,
    };
    const p = pool.run(task, { transferList: [buf.buffer] }) as Promise<FrameResult>;
    p.catch(() => {}); // handled when taken; avoids unhandled rejections after an early exit
    pending.push({ p, firstLine: frame.firstLine });
  };

  const take = async (): Promise<DecodedFrame> => {
    const { p, firstLine } = pending.shift()!;
    const t = prof?.start();
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
    }
    return r.frame;
  };

  try {
    for await (const frame of frames) {
      ctx.summary.bytes += frame.buf.length;
      submit(frame);
      while (pending.length >= window) yield await take();
    }
    while (pending.length) yield await take();
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
