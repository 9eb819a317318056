/**
 * Decompression of v7 sections and trace-data chunks, by the algorithm named
 * in the file's initial header: "zlib" (node:zlib) or "zstd". Chunks are small
 * (trace-cmd compresses 10 pages at a time), so each is decompressed whole.
 *
 * zstd: Node 20's zlib has none. libzstd itself through zstd-napi when it is
 * installed (an optional dependency, compiled by node-gyp at npm install):
 * ~1.5 GB/s on the chunks of a real capture. Else zstddec, the reference
 * decoder built to WebAssembly and shipped inside its npm package: ~0.9 GB/s,
 * against ~65 MB/s for the pure-JS fzstd, which the zstd *input streams* still
 * use (src/io/compression.ts). Both give the same bytes (tests/decode/
 * tracedatZstd.test.ts); LOCKREPLAY_ZSTD=wasm chooses zstddec. The module has
 * to be loaded once per thread (asynchronously, for WebAssembly) before the
 * first chunk: call loadDecompressors() first.
 */
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import type { ZSTDDecoder } from 'zstddec';
import { InputError } from '../../model/inputError.ts';

/**
 * Largest decompressed block accepted. The header's size is allocated before
 * the block is decompressed (inside the WebAssembly memory, 32-bit, for
 * zstddec), so a corrupt one must be refused before it is tried; real blocks
 * are a few pages, or a few MB for sections such as kallsyms.
 */
const MAX_BLOCK = 256 << 20;

export type ZstdBackend = 'native' | 'wasm';

/** zstd-napi's DCtx (ZSTD_decompressDCtx() into a caller's buffer). */
interface NativeDCtx {
  decompress(dst: Uint8Array, src: Uint8Array): number;
}

let native: NativeDCtx | undefined;
let wasm: ZSTDDecoder | undefined;
let wasmReady: Promise<void> | undefined;
let backend: ZstdBackend | undefined;

function loadNative(): NativeDCtx | undefined {
  try {
    const binding = createRequire(import.meta.url)('zstd-napi/binding') as { DCtx: new () => NativeDCtx };
    return new binding.DCtx();
  } catch {
    return undefined; // not installed, or its build failed: zstddec serves
  }
}

function loadWasm(): Promise<void> {
  wasmReady ??= import('zstddec').then(({ ZSTDDecoder }) => initWasm(new ZSTDDecoder()));
  return wasmReady;
}

function initWasm(d: ZSTDDecoder): Promise<void> {
  // zstddec loads its module through fetch() when there is one, and Node's fetch loads undici
  // first (~40 ms of every trace.dat run's start); without fetch it instantiates the same bytes
  // directly (~2 ms). The global is hidden only for the synchronous start of init().
  const fetchProp = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchProp?.configurable) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return d.init().then(() => {
      wasm = d;
    });
  } finally {
    if (fetchProp?.configurable) Object.defineProperty(globalThis, 'fetch', fetchProp);
  }
}

/**
 * Prepares the zstd decoder chunks will use: `want`, else LOCKREPLAY_ZSTD,
 * else native when zstd-napi loads. Resolves to the one chosen.
 */
export async function loadDecompressors(want?: ZstdBackend): Promise<ZstdBackend> {
  const asked = want ?? (process.env.LOCKREPLAY_ZSTD === 'wasm' ? 'wasm' : 'native');
  if (asked === 'native') native ??= loadNative();
  if (asked === 'native' && native) return (backend = 'native');
  await loadWasm();
  return (backend = 'wasm');
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
    case 'zstd': {
      if (!backend) throw new Error('zstd decoder used before loadDecompressors() resolved');
      if (backend === 'native') {
        const dctx = native!;
        return (data, expected, at) => {
          bounded(expected, at);
          const out = Buffer.allocUnsafe(expected);
          let n: number;
          try {
            n = dctx.decompress(out, data); // throws on corrupt data and on output past `expected`
          } catch (e) {
            return fail(e, at);
          }
          return check(out.subarray(0, n), expected, at);
        };
      }
      const d = wasm!;
      return (data, expected, at) => {
        bounded(expected, at);
        // 0 would make zstddec ask the frame for its size, which trace-cmd's frames do not carry
        if (expected === 0) return Buffer.alloc(0);
        let out: Uint8Array;
        try {
          // ZSTD_decompress() returns an error code (negative here) instead of a size: the check below reports it
          out = d.decode(data, expected);
        } catch (e) {
          return fail(e, at);
        }
        return check(out, expected, at);
      };
    }
    default:
      throw new InputError(inputName, { byte: 0 }, `trace.dat compressed with "${algorithm}", which lockreplay cannot decompress (zlib and zstd are supported)`);
  }
}
