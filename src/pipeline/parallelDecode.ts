/**
 * Stages frame + decode + remap for ftrace-style text, on the main thread
 * (workers = 1) or on a piscina pool (workers > 1). Yields batches already
 * remapped to global string IDs, in input order.
 *
 * The block contract. The main thread never searches for line boundaries: it
 * cuts the decompressed byte stream into raw blocks of --chunk-size bytes
 * (copied into recycled buffers) and hands each to a decoder, inline or on a
 * worker. A block's decoder decodes the complete lines inside the block,
 * numbered from 1, and says where they begin and end
 * (FtraceTextDecoder.decodeBlock). The partial lines at a block's two ends are
 * the main thread's: in block order, LineJoiner joins the end of one block to
 * the start of the next (through any blocks without a newline), decodes that
 * line with its own decoder, and numbers every line. A joined line over the
 * line limit is counted as a long line without ever being buffered whole.
 * Workers = 1 runs exactly the same code with the block decoder called inline,
 * so every worker count and block size gives the same report.
 *
 * String order: results are taken strictly in block order, and each batch is
 * remapped with its own decoder's LocalRemap (the joined line before the block
 * it ends in), so every string is interned globally at its first appearance in
 * the input. At most `window` blocks are in flight, so piscina hands each
 * worker its blocks in increasing order (which its decoder's string IDs need)
 * and memory stays bounded. Should a worker ever have decoded its blocks out
 * of order (its `order` is not the next expected), its batches can no longer
 * be remapped; those blocks are decoded again here with a fresh decoder
 * (slower, still exact).
 *
 * A worker that crashes or is killed rejects its task; that becomes an
 * InputError naming the line where the block's lines begin, and the pool is
 * destroyed so nothing is left to hang the process.
 */
import { Piscina } from 'piscina';
import { InputError } from '../model/inputError.ts';
import { LocalRemap, type GlobalStrings } from '../model/globalStrings.ts';
import { FtraceTextDecoder, type DecodedBlock, type FtraceTextOptions } from '../decode/ftrace/ftraceTextDecoder.ts';
import { ftraceTextOptions } from '../decode/ftrace/decodeFtraceText.ts';
import { LineJoiner, cutBlocks, shiftLines, type RawBlock } from '../decode/ftrace/ftraceBlocks.ts';
import type { DecodedFrame } from '../decode/decoder.ts';
import { ColumnPool } from '../model/columnPool.ts';
import type { DecodeContext } from '../decode/decodeContext.ts';
import type { BlockResult, BlockTask } from './parallelTypes.ts';
import type { Profiler } from './profile.ts';
import { decodeWorkerEntry } from './parallelWorkerEntry.ts';

/** Upper bound on block bytes in flight, so huge --chunk-size values still bound memory. */
const IN_FLIGHT_BYTES = 64 << 20;

let runs = 0;

export interface FrameHooks {
  profiler?: Profiler;
  /** Worker entry point (tests substitute a crashing one). */
  workerFile?: string;
  /**
   * The caller is done with a frame once it asks for the next one (the replay
   * loop): the column buffers of block batches then go back to the decoders,
   * which build later batches in them instead of allocating.
   */
  recycleBatches?: boolean;
}

/** A block back from its decoder, in input order. */
interface DoneBlock {
  ab: ArrayBuffer;
  length: number;
  block: DecodedBlock;
  /** The remap of the decoder that produced block.frame. */
  remap: LocalRemap;
  /** block.frame's batch is in a decoder's own column buffers (recyclable). */
  handedOff: boolean;
}

export async function* decodeFtraceFrames(ctx: DecodeContext, strings: GlobalStrings, hooks: FrameHooks = {}): AsyncGenerator<DecodedFrame> {
  const opts = ftraceTextOptions(ctx);
  const prof = hooks.profiler;
  const blockBytes = Math.max(1, Math.floor(ctx.frameBytes));
  const spare: ArrayBuffer[] = [];
  const blocks = prefetched(cutBlocks(ctx.input, blockBytes, spare, ctx.live), prof);
  const joiner = new LineJoiner(new FtraceTextDecoder(ctx.index, opts), ctx.maxLineBytes);
  const joinRemap = new LocalRemap(strings);
  const columns = hooks.recycleBatches ? new ColumnPool(ctx.workers + 2) : undefined;
  const done = ctx.workers <= 1
    ? inlineBlocks(blocks, ctx, opts, strings, prof, columns)
    : pooledBlocks(blocks, ctx, opts, strings, blockBytes, joiner, hooks, columns);

  for await (const d of done) {
    ctx.summary.bytes += d.length;
    let t = prof?.start();
    const bytes = new Uint8Array(d.ab, 0, d.length);
    const { frame, head, tail } = d.block;
    let joined: DecodedFrame | undefined;
    if (head < 0) {
      joiner.add(bytes);
    } else if (head > 0) {
      joiner.add(bytes.subarray(0, head));
      joined = joiner.end(true);
    }
    const firstLine = joiner.line;
    joiner.line += frame.stats.lines;
    if (head >= 0 && tail < d.length) joiner.add(bytes.subarray(tail));
    spare.push(d.ab);
    if (prof && t) {
      prof.end('frame', t);
      t = prof.start();
    }
    // The joined line comes first in the input, so its strings are interned first.
    if (joined) joinRemap.apply(joined.batch);
    d.remap.apply(frame.batch);
    if (firstLine !== 1) shiftLines(frame, firstLine - 1);
    if (prof && t) prof.end('remap', t);
    if (joined) yield joined;
    yield frame;
    if (columns && d.handedOff) columns.put(frame.batch);
  }
  const last = joiner.end(false);
  if (last) {
    joinRemap.apply(last.batch);
    yield last;
  }
}

/** Decodes each block on this thread. */
async function* inlineBlocks(
  blocks: AsyncIterable<RawBlock>, ctx: DecodeContext, opts: FtraceTextOptions, strings: GlobalStrings, prof: Profiler | undefined,
  columns: ColumnPool | undefined,
): AsyncGenerator<DoneBlock> {
  const decoder = new FtraceTextDecoder(ctx.index, opts);
  const remap = new LocalRemap(strings);
  for await (const b of blocks) {
    const t = prof?.start();
    const block = decoder.decodeBlock(new Uint8Array(b.ab, 0, b.length), b.startsLine, undefined, columns?.take());
    if (prof && t) prof.end('decode', t);
    yield { ab: b.ab, length: b.length, block, remap, handedOff: !!columns };
  }
}

/**
 * Decodes the blocks on a pool of `--workers` - 1 threads, `window` at a time,
 * and hands them back in order. The main thread is the other thread the
 * option counts: it replays (a third to a half of the work). On 2 cores, one
 * decode worker beside it was faster than two on every input measured (three
 * busy threads taking turns on two cores cost ~25% more CPU, and 20-30 MB),
 * and the main thread decoding blocks itself while it waited for the worker
 * did not help either.
 */
async function* pooledBlocks(
  blocks: AsyncIterable<RawBlock>, ctx: DecodeContext, opts: FtraceTextOptions, strings: GlobalStrings, blockBytes: number,
  joiner: LineJoiner, hooks: FrameHooks, columns: ColumnPool | undefined,
): AsyncGenerator<DoneBlock> {
  const prof = hooks.profiler;
  const threads = Math.max(1, ctx.workers - 1);
  const pool = new Piscina({
    // LOCKREPLAY_WORKER_FILE: a test hook, to run the CLI with a worker that crashes.
    filename: hooks.workerFile ?? process.env.LOCKREPLAY_WORKER_FILE ?? (await decodeWorkerEntry()),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  // A worker's answer to a task the pool already gave up (after a failure, while destroying) is an 'error'
  // event on the pool; unheard, it would crash the process with a stack trace instead of our one-line error.
  pool.on('error', () => {});
  const run = ++runs;
  // One block queued behind each busy worker keeps them busy; the byte cap bounds memory for huge blocks.
  const window = Math.max(1, Math.min(threads + 1, Math.floor(IN_FLIGHT_BYTES / blockBytes)));
  const pending: { p: Promise<BlockResult>; length: number; startsLine: boolean }[] = [];
  const remaps = new Map<number, { remap: LocalRemap; next: number }>();
  const poisoned = new Set<number>();
  let seq = 0;

  const submit = (b: RawBlock): void => {
    const task: BlockTask = { run, buf: new Uint8Array(b.ab), length: b.length, startsLine: b.startsLine, seq: seq++, input: ctx.index, opts };
    const cols = columns?.take() ?? [];
    if (cols.length) task.columns = cols;
    const p = pool.run(task, { transferList: [b.ab, ...cols] }) as Promise<BlockResult>;
    p.catch(() => {}); // handled when taken; avoids unhandled rejections after an early exit
    pending.push({ p, length: b.length, startsLine: b.startsLine });
  };

  const take = async (): Promise<DoneBlock> => {
    const { p, length, startsLine } = pending.shift()!;
    const t = prof?.start();
    let r: BlockResult;
    try {
      r = await p;
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split('\n')[0];
      throw new InputError(ctx.input.name, { line: joiner.line }, `decode worker failed on the block starting here (${msg})`);
    }
    if (prof && t) {
      // Main-thread decode wall is waiting for the block; decode CPU is the workers' busy time, not process CPU meanwhile.
      const cpu = prof.stages.decode.cpuMs;
      prof.end('decode', t);
      prof.stages.decode.cpuMs = cpu + r.busyMs;
      prof.workerBusyMs += r.busyMs;
    }
    const ab = r.buf.buffer as ArrayBuffer;
    let w = remaps.get(r.worker);
    if (!w) remaps.set(r.worker, (w = { remap: new LocalRemap(strings), next: 0 }));
    if (r.order !== w.next) poisoned.add(r.worker);
    w.next = r.order + 1;
    if (poisoned.has(r.worker)) {
      const block = new FtraceTextDecoder(ctx.index, opts).decodeBlock(new Uint8Array(ab, 0, length), startsLine, r.block.frame.batch.seq);
      return { ab, length, block, remap: new LocalRemap(strings), handedOff: false };
    }
    return { ab, length, block: r.block, remap: w.remap, handedOff: true };
  };

  try {
    const it = blocks[Symbol.asyncIterator]();
    let more = true;
    const next = async (): Promise<void> => {
      const r = await it.next();
      if (r.done) more = false;
      else submit(r.value);
    };
    while (more && pending.length < window) await next();
    while (pending.length) {
      const d = await take();
      // Refill before handing the block on, so workers decode while the caller replays.
      if (more) await next();
      yield d;
    }
  } finally {
    await pool.destroy();
  }
}

/**
 * Starts getting the next block as soon as one is handed out, so reading (on
 * libuv's threads, or the decompressor's) overlaps the caller's replay instead
 * of waiting for it. With --profile, the wait that is left is "read+decompress"
 * (cutting blocks is in it: a copy, or nothing for a regular file).
 */
async function* prefetched<T>(src: AsyncGenerator<T>, prof: Profiler | undefined): AsyncGenerator<T> {
  let next = src.next();
  next.catch(() => {}); // a failure is taken when awaited below
  let done = false;
  try {
    for (;;) {
      // What the main thread still waits for, reading and decompressing not overlapped with its work.
      const t = prof?.start();
      const r = await next;
      if (prof && t) prof.end('read+decompress', t);
      if (r.done) {
        done = true;
        return;
      }
      next = src.next();
      next.catch(() => {});
      yield r.value;
    }
  } finally {
    // Stopped early: let the source go once its pending step ends (never wait for it: it may be stdin).
    if (!done) void next.then(() => src.return(undefined), () => {}).catch(() => {});
  }
}
