/**
 * Stage "read": a file path or '-' (stdin) in, a stream of decompressed byte
 * chunks out, with backpressure (async iteration pulls). Every failure is an
 * InputError naming the input and, where known, the byte offset.
 */
import { createReadStream, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { InputError } from '../model/inputError.ts';
import { createDecompressor, decompressorTool, detectCompression, toolDecompress, type Compression } from './compression.ts';

export interface OpenedInput {
  /** The name to show in messages and evidence. */
  name: string;
  compression: Compression;
  /** Size on disk, when it is a regular file (for progress). */
  sizeOnDisk?: number;
  /** Compressed bytes read so far (for progress). */
  readonly bytesRead: () => number;
  chunks: AsyncIterable<Buffer>;
  /**
   * Regular uncompressed files only: reads the next bytes of the input straight
   * into `into` (no intermediate chunk to allocate and copy) and resolves to
   * their count, 0 at the end. A consumer uses this or `chunks`, never both,
   * and calls `release` when it stops before the end.
   */
  readInto?: (into: Uint8Array) => Promise<number>;
  release?: () => Promise<void>;
  /** The first decompressed bytes, for format detection by content. */
  head: Buffer;
}

const HEAD_BYTES = 64 * 1024;
/** Compressed bytes per write into a decompressor: at xz's ratio on traces (~1:17) that is ~1 MB out at once. */
const COMPRESSED_PIECE = 64 * 1024;
/** Decompressed bytes buffered ahead of the consumer. */
const READ_AHEAD_BYTES = 8 << 20;

/**
 * `live`: the input is a live stream (trace_pipe): the head for format detection is the first bytes that
 * hold a complete line, not HEAD_BYTES, which a quiet trace_pipe may take minutes to produce.
 */
export async function openInput(path: string, readChunkBytes = 1 << 20, opts: { live?: boolean } = {}): Promise<OpenedInput> {
  const name = path === '-' ? '<stdin>' : path;
  let sizeOnDisk: number | undefined;
  let regular = false;
  let raw: Readable;
  if (path === '-') {
    raw = process.stdin;
  } else {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(name, undefined, code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? 'error'})`);
    }
    if (st.isDirectory()) throw new InputError(name, undefined, 'is a directory, not a trace file');
    sizeOnDisk = st.size;
    regular = st.isFile();
    raw = createReadStream(path, { highWaterMark: readChunkBytes });
  }
  let compressedBytes = 0;
  raw.on('data', (c: Buffer) => (compressedBytes += c.length));

  // Peek the first raw chunk for the magic bytes.
  const rawIter = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: Buffer;
  try {
    const r = await rawIter.next();
    first = r.done ? Buffer.alloc(0) : r.value;
  } catch (e) {
    throw new InputError(name, { byte: 0 }, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const compression = detectCompression(first);

  async function* rawChunks(): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await rawIter.next();
      } catch (e) {
        throw new InputError(name, { byte: compressedBytes }, `read failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (r.done) return;
      yield r.value;
    }
  }

  let source: AsyncIterable<Buffer>;
  if (compression === 'none') {
    source = rawChunks();
  } else {
    // Decompression runs ahead of the pipeline (bounded), so it overlaps decoding and replay
    // instead of waiting for them; small input pieces bound what one write can burst out.
    source = readAhead(decompress(name, compression, pieces(rawChunks(), COMPRESSED_PIECE), () => compressedBytes), READ_AHEAD_BYTES);
  }

  // Collect the decompressed head for content-based format detection, then replay it.
  const it = source[Symbol.asyncIterator]();
  const headParts: Buffer[] = [];
  let headLen = 0;
  let exhausted = false;
  while (headLen < HEAD_BYTES) {
    const r = await it.next();
    if (r.done) {
      exhausted = true;
      break;
    }
    headParts.push(r.value);
    headLen += r.value.length;
    if (opts.live && r.value.includes(0x0a)) break;
  }
  const head = Buffer.concat(headParts);
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const p of headParts) yield p;
    if (exhausted) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  // Returning early from the chunks, even before the first one (as a caller that only sniffs the head does),
  // closes the source: a decompressor tool must not be left running, keeping the process alive.
  const gen = chunks();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed || exhausted) return;
    closed = true;
    await it.return?.();
  };
  const iterator: AsyncIterableIterator<Buffer> = {
    next: () => gen.next(),
    return: async () => {
      await gen.return(undefined);
      await close();
      return { done: true, value: undefined };
    },
    throw: async (e?: unknown) => {
      await close();
      return gen.throw(e);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  const opened: OpenedInput = { name, compression, sizeOnDisk, bytesRead: () => compressedBytes, chunks: iterator, head: head.subarray(0, HEAD_BYTES) };
  if (compression === 'none' && regular) {
    // What the stream has read so far (the head) comes first; then positional reads of our own.
    const queued = [...headParts];
    let qOff = 0;
    let pos = 0;
    let fh: FileHandle | undefined;
    let ended = exhausted;
    const release = async (): Promise<void> => {
      ended = true;
      const f = fh;
      fh = undefined;
      await f?.close();
    };
    opened.readInto = async (into: Uint8Array): Promise<number> => {
      if (queued.length) {
        const c = queued[0];
        const n = Math.min(into.length, c.length - qOff);
        into.set(c.subarray(qOff, qOff + n));
        qOff += n;
        pos += n;
        if (qOff === c.length) {
          queued.shift();
          qOff = 0;
        }
        return n;
      }
      if (ended || into.length === 0) return 0;
      try {
        if (!fh) {
          raw.destroy();
          fh = await open(path, 'r');
        }
        const { bytesRead } = await fh.read(into, 0, into.length, pos);
        pos += bytesRead;
        compressedBytes = pos;
        if (bytesRead === 0) await release();
        return bytesRead;
      } catch (e) {
        await release().catch(() => {});
        throw new InputError(name, { byte: pos }, `read failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    };
    opened.release = release;
  }
  return opened;
}

async function* decompress(
  name: string,
  kind: Exclude<Compression, 'none'>,
  src: AsyncIterable<Buffer>,
  consumed: () => number,
): AsyncGenerator<Buffer> {
  const tool = decompressorTool(kind);
  if (tool) {
    try {
      yield* toolDecompress(tool, src);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(name, { byte: consumed() }, `${kind} data is corrupt or truncated (${String((e as Error).message).split('\n')[0]})`);
    }
    return;
  }
  const d = createDecompressor(kind);
  const feed = Readable.from(src, { objectMode: false });
  feed.on('error', (e) => d.destroy(e));
  feed.pipe(d);
  try {
    for await (const out of d as AsyncIterable<Buffer>) yield out;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, { byte: consumed() }, `${kind} data is corrupt or truncated (${String((e as Error).message).split('\n')[0]})`);
  } finally {
    feed.destroy();
  }
}

/** Splits chunks into pieces of at most `max` bytes (views, no copy). */
async function* pieces(src: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  for await (const c of src) {
    if (c.length <= max) yield c;
    else for (let k = 0; k < c.length; k += max) yield c.subarray(k, Math.min(c.length, k + max));
  }
}

/**
 * Pulls `src` eagerly, keeping up to `maxBytes` ready for the consumer: the
 * producer (a decompressor) keeps working while the consumer is busy.
 * Errors reach the consumer in order, after the chunks before them.
 */
export function readAhead(src: AsyncIterable<Buffer>, maxBytes: number): AsyncIterable<Buffer> {
  const it = src[Symbol.asyncIterator]();
  const queue: Buffer[] = [];
  let queued = 0;
  let done = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  void (async () => {
    try {
      for (;;) {
        while (queued >= maxBytes && !stopped) await new Promise<void>((r) => (room = r));
        if (stopped) return;
        const r = await it.next();
        if (r.done) return;
        queue.push(r.value);
        queued += r.value.length;
        signal();
      }
    } catch (e) {
      failure = { error: e };
    } finally {
      done = true;
      signal();
    }
  })();
  return (async function* () {
    try {
      for (;;) {
        if (queue.length) {
          const b = queue.shift()!;
          queued -= b.length;
          const r = room;
          room = undefined;
          r?.();
          yield b;
        } else if (failure) {
          throw failure.error;
        } else if (done) {
          return;
        } else {
          await new Promise<void>((r) => (wake = r));
        }
      }
    } finally {
      stopped = true;
      room?.();
      if (!done) void it.return?.()?.catch(() => {}); // queued behind a pending next(): not awaited
    }
  })();
}
