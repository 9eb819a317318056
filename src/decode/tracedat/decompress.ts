/**
 * Decompression of v7 sections and trace-data chunks, by the algorithm named
 * in the file's initial header: "zlib" (node:zlib) or "zstd". Chunks are small
 * (trace-cmd compresses 10 pages at a time), so each is decompressed whole.
 *
 * zstd: Node 20's zlib has none, so zstddec (the reference libzstd decoder
 * built to WebAssembly, shipped inside its npm package): ~750 MB/s on the
 * chunks of a real capture, against ~65 MB/s for the pure-JS fzstd, which the
 * zstd *input streams* still use (src/io/compression.ts). Its module has to be
 * instantiated once per thread (asynchronously) before the first chunk:
 * call loadDecompressors() first.
 */
import { inflateSync } from 'node:zlib';
import { ZSTDDecoder } from 'zstddec';
import { InputError } from '../../model/inputError.ts';

/**
 * Largest decompressed block accepted. The header's size is allocated inside
 * the WebAssembly memory (32-bit, 4 GiB at most), so a corrupt one must be
 * refused before it is tried; real blocks are a few pages, or a few MB for
 * sections such as kallsyms.
 */
const MAX_BLOCK = 256 << 20;

let zstd: ZSTDDecoder | undefined;
let zstdReady: Promise<void> | undefined;

/** Prepares the decoders that need it (zstd's WebAssembly module); idempotent. */
export function loadDecompressors(): Promise<void> {
  if (!zstdReady) {
    const d = new ZSTDDecoder();
    // zstddec loads its module through fetch() when there is one, and Node's fetch loads undici
    // first (~40 ms of every trace.dat run's start); without fetch it instantiates the same bytes
    // directly (~2 ms). The global is hidden only for the synchronous start of init().
    const fetchProp = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
    if (fetchProp?.configurable) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
    try {
      zstdReady = d.init().then(() => {
        zstd = d;
      });
    } finally {
      if (fetchProp?.configurable) Object.defineProperty(globalThis, 'fetch', fetchProp);
    }
  }
  return zstdReady;
}

export type Decompress = (data: Uint8Array, expected: number, at: number) => Buffer;

/** A decompressor for the algorithm; throws InputError for one lockreplay does not know. */
export function decompressorFor(inputName: string, algorithm: string): Decompress {
  const check = (out: Uint8Array, expected: number, at: number): Buffer => {
    if (out.length !== expected) {
      throw new InputError(inputName, { byte: at }, `corrupt trace.dat: ${algorithm} block decompressed to ${out.length} bytes, header says ${expected}`);
    }
    return Buffer.from(out.buffer, out.byteOffset, out.length);
  };
  const fail = (e: unknown, at: number): never => {
    throw new InputError(inputName, { byte: at }, `corrupt trace.dat: ${algorithm} block cannot be decompressed (${String((e as Error).message).split('\n')[0]})`);
  };
  const bounded = (expected: number, at: number): void => {
    if (expected > MAX_BLOCK) throw new InputError(inputName, { byte: at }, `corrupt trace.dat: ${algorithm} block claims ${expected} bytes decompressed`);
  };
  switch (algorithm) {
    case 'zlib':
      return (data, expected, at) => {
        bounded(expected, at);
        let out: Buffer;
        try {
          out = inflateSync(data, { maxOutputLength: Math.max(1, expected) });
        } catch (e) {
          return fail(e, at);
        }
        return check(out, expected, at);
      };
    case 'zstd':
      if (!zstd) throw new Error('zstd decoder used before loadDecompressors() resolved');
      return (data, expected, at) => {
        bounded(expected, at);
        // 0 would make zstddec ask the frame for its size, which trace-cmd's frames do not carry
        if (expected === 0) return Buffer.alloc(0);
        let out: Uint8Array;
        try {
          // ZSTD_decompress() returns an error code (negative here) instead of a size: the check below reports it
          out = zstd!.decode(data, expected);
        } catch (e) {
          return fail(e, at);
        }
        return check(out, expected, at);
      };
    default:
      throw new InputError(inputName, { byte: 0 }, `trace.dat compressed with "${algorithm}", which lockreplay cannot decompress (zlib and zstd are supported)`);
  }
}
