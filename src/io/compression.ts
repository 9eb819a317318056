/**
 * Compressed input is recognised by its magic bytes, never by its file name,
 * and decompressed as a stream (nothing holds a whole file in memory).
 *   gzip 1f 8b | zstd 28 b5 2f fd | xz fd 37 7a 58 5a 00
 * gzip uses node:zlib. xz and zstd go through the system's `xz -dc` / `zstd -dc`
 * when it is installed (decompressorTool): in its own process it runs beside
 * the decode workers and the replay, about twice as fast as lzma-native here,
 * and its window (64 MiB at xz -9) is not in our heap. Without the tool, xz
 * uses lzma-native (liblzma, on libuv's thread pool) and zstd fzstd (pure JS),
 * because Node 20's zlib has no zstd. LOCKREPLAY_DECOMPRESS=builtin forces the
 * in-process decoders.
 */
import { createGunzip } from 'node:zlib';
import { Transform, type TransformCallback } from 'node:stream';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type Compression = 'none' | 'gzip' | 'zstd' | 'xz';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0) return 'xz';
  return 'none';
}

const require = createRequire(import.meta.url);

export function createDecompressor(kind: Exclude<Compression, 'none'>): Transform {
  switch (kind) {
    case 'gzip':
      return createGunzip();
    case 'xz': {
      const lzma = require('lzma-native') as { createDecompressor(): Transform };
      return lzma.createDecompressor();
    }
    case 'zstd':
      return new ZstdTransform();
  }
}

class ZstdTransform extends Transform {
  private readonly inner: { push(chunk: Uint8Array, final?: boolean): void; ondata: (d: Uint8Array, final: boolean) => void };
  constructor() {
    super();
    const fzstd = require('fzstd') as { Decompress: new (cb: (d: Uint8Array, final: boolean) => void) => ZstdTransform['inner'] };
    this.inner = new fzstd.Decompress((d) => this.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength)));
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.inner.push(chunk);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.inner.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

const tools = new Map<string, string | undefined>();

/** Path of the system's decompressor for `kind` (xz, zstd), if one is installed and not disabled. */
export function decompressorTool(kind: Compression): string | undefined {
  if (kind !== 'xz' && kind !== 'zstd') return undefined;
  if (process.env.LOCKREPLAY_DECOMPRESS === 'builtin') return undefined;
  if (!tools.has(kind)) {
    let found: string | undefined;
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      try {
        accessSync(join(dir, kind), constants.X_OK);
        found = join(dir, kind);
        break;
      } catch {
        // not here
      }
    }
    tools.set(kind, found);
  }
  return tools.get(kind);
}

/**
 * Pipes `src` through `tool -dc` and yields its output. Ends only once the
 * tool has exited: a failure (corrupt or cut-off data) throws an Error with
 * the tool's own first line of complaint, never a silent early end. A read
 * error of `src` is thrown as is. Stopping early kills the tool.
 */
export async function* toolDecompress(tool: string, src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  let spawnError: Error | undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('error', (e) => {
      spawnError = e;
      resolve(-1);
    });
    child.on('close', (code) => resolve(code ?? -1));
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null && !spawnError;
  child.stdin.on('error', () => {}); // EPIPE when the tool stops early: its exit status says why
  let feedError: { error: unknown } | undefined;
  void (async () => {
    try {
      for await (const c of src) {
        if (!running()) break;
        if (!child.stdin.write(c)) await Promise.race([new Promise((r) => child.stdin.once('drain', r)), exited]);
      }
    } catch (e) {
      feedError = { error: e };
    } finally {
      child.stdin.end();
    }
  })();
  try {
    for await (const out of child.stdout) yield out as Buffer;
    const code = await exited;
    if (feedError) throw feedError.error;
    if (spawnError) throw spawnError;
    if (code !== 0) throw new Error(stderr.trim().split('\n')[0] || `${tool} exited with status ${code}`);
  } finally {
    if (running()) child.kill();
  }
}
