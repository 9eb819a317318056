/**
 * Stage "read": a file path or '-' (stdin) in, a stream of decompressed byte
 * chunks out, with backpressure (async iteration pulls). Every failure is an
 * InputError naming the input and, where known, the byte offset.
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { InputError } from '../model/inputError.ts';
import { createDecompressor, detectCompression, type Compression } from './compression.ts';

export interface OpenedInput {
  /** The name to show in messages and evidence. */
  name: string;
  compression: Compression;
  /** Size on disk, when it is a regular file (for progress). */
  sizeOnDisk?: number;
  /** Compressed bytes read so far (for progress). */
  readonly bytesRead: () => number;
  chunks: AsyncIterable<Buffer>;
  /** The first decompressed bytes, for format detection by content. */
  head: Buffer;
}

const HEAD_BYTES = 64 * 1024;

export async function openInput(path: string, readChunkBytes = 1 << 20): Promise<OpenedInput> {
  const name = path === '-' ? '<stdin>' : path;
  let sizeOnDisk: number | undefined;
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
    source = decompress(name, compression, rawChunks(), () => compressedBytes);
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
  return { name, compression, sizeOnDisk, bytesRead: () => compressedBytes, chunks: chunks(), head: head.subarray(0, HEAD_BYTES) };
}

async function* decompress(
  name: string,
  kind: Exclude<Compression, 'none'>,
  src: AsyncIterable<Buffer>,
  consumed: () => number,
): AsyncGenerator<Buffer> {
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
