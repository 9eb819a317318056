/**
 * Compressed input is recognised by its magic bytes, never by its file name,
 * and decompressed as a stream (nothing holds a whole file in memory).
 *   gzip 1f 8b | zstd 28 b5 2f fd | xz fd 37 7a 58 5a 00
 * gzip uses node:zlib; xz uses lzma-native (liblzma); zstd uses fzstd (pure JS),
 * because Node 20's zlib has no zstd.
 */
import { createGunzip } from 'node:zlib';
import { Transform, type TransformCallback } from 'node:stream';
import { createRequire } from 'node:module';

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
