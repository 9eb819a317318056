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
  const { raw, sizeOnDisk, regular } = openRaw(path, name, readChunkBytes);
  const read = { bytes: 0 };
  raw.on('data', (c: Buffer) => (read.bytes += c.length));
  const rawChunks = await peekedChunks(raw, name, read);
  const compression = detectCompression(rawChunks.first);
  // Decompression runs ahead of the pipeline (bounded), so it overlaps decoding and replay
  // instead of waiting for them; small input pieces bound what one write can burst out.
  const source = compression === 'none'
    ? rawChunks.chunks
    : readAhead(decompress(name, compression, pieces(rawChunks.chunks, COMPRESSED_PIECE), () => read.bytes), READ_AHEAD_BYTES);
  const { it, headParts, exhausted } = await takeHead(source, !!opts.live);
  const opened: OpenedInput = {
    name, compression, sizeOnDisk, bytesRead: () => read.bytes,
    chunks: closingChunks(it, headParts, exhausted),
    // One part (the usual first read) is the head as it is: Buffer.concat() would copy up to a MB per input.
    head: (headParts.length === 1 ? headParts[0] : Buffer.concat(headParts)).subarray(0, HEAD_BYTES),
  };
  if (compression === 'none' && regular) Object.assign(opened, positionalReads(path, name, raw, headParts, exhausted, read));
  return opened;
}

/** The file (or stdin) as a byte stream, with what stat says of it; a missing file or a directory is an InputError. */
function openRaw(path: string, name: string, readChunkBytes: number): { raw: Readable; sizeOnDisk?: number; regular: boolean } {
  if (path === '-') return { raw: process.stdin, regular: false };
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(name, undefined, code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? 'error'})`);
  }
  if (st.isDirectory()) throw new InputError(name, undefined, 'is a directory, not a trace file');
  return { raw: createReadStream(path, { highWaterMark: readChunkBytes }), sizeOnDisk: st.size, regular: st.isFile() };
}

/** Reads the first raw chunk (for the magic bytes), then yields it and the rest; read errors name the byte offset. */
async function peekedChunks(raw: Readable, name: string, read: { bytes: number }): Promise<{ first: Buffer; chunks: AsyncIterable<Buffer> }> {
  const rawIter = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: Buffer;
  try {
    const r = await rawIter.next();
    first = r.done ? Buffer.alloc(0) : r.value;
  } catch (e) {
    throw new InputError(name, { byte: 0 }, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await rawIter.next();
      } catch (e) {
        throw new InputError(name, { byte: read.bytes }, `read failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (r.done) return;
      yield r.value;
    }
  }
  return { first, chunks: chunks() };
}

/** The decompressed head for content-based format detection (HEAD_BYTES, or live: the first complete line). */
async function takeHead(source: AsyncIterable<Buffer>, live: boolean): Promise<{ it: AsyncIterator<Buffer>; headParts: Buffer[]; exhausted: boolean }> {
  const it = source[Symbol.asyncIterator]();
  const headParts: Buffer[] = [];
  let headLen = 0;
  while (headLen < HEAD_BYTES) {
    const r = await it.next();
    if (r.done) return { it, headParts, exhausted: true };
    headParts.push(r.value);
    headLen += r.value.length;
    if (live && r.value.includes(0x0a)) break;
  }
  return { it, headParts, exhausted: false };
}

/**
 * The head again, then the rest of the source. Returning early from the chunks, even before the first one
 * (as a caller that only sniffs the head does), closes the source: a decompressor tool must not be left
 * running, keeping the process alive.
 */
function closingChunks(it: AsyncIterator<Buffer>, headParts: Buffer[], exhausted: boolean): AsyncIterableIterator<Buffer> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const p of headParts) yield p;
    if (exhausted) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const gen = chunks();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed || exhausted) return;
    closed = true;
    await it.return?.();
  };
  return {
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
}

/**
 * A regular uncompressed file: what the stream has read so far (the head) comes first; then positional
 * reads of our own straight into the caller's buffer (OpenedInput.readInto).
 */
function positionalReads(
  path: string, name: string, raw: Readable, headParts: Buffer[], exhausted: boolean, read: { bytes: number },
): Pick<OpenedInput, 'readInto' | 'release'> {
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
  const readInto = async (into: Uint8Array): Promise<number> => {
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
      read.bytes = pos;
      if (bytesRead === 0) await release();
      return bytesRead;
    } catch (e) {
      await release().catch(() => {});
      throw new InputError(name, { byte: pos }, `read failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  return { readInto, release };
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
