/**
 * Decompression of v7 sections and trace-data chunks, by the algorithm named
 * in the file's initial header: "zlib" (node:zlib) or "zstd" (fzstd, pure JS:
 * Node 20's zlib has no zstd). Chunks are small (a few pages), so each is
 * decompressed whole.
 */
import { inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { InputError } from '../../model/inputError.ts';

const require = createRequire(import.meta.url);
let fzstd: { decompress(d: Uint8Array, out?: Uint8Array): Uint8Array } | undefined;

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
  switch (algorithm) {
    case 'zlib':
      return (data, expected, at) => {
        let out: Buffer;
        try {
          out = inflateSync(data);
        } catch (e) {
          return fail(e, at);
        }
        return check(out, expected, at);
      };
    case 'zstd':
      fzstd ??= require('fzstd') as typeof fzstd;
      return (data, expected, at) => {
        let out: Uint8Array;
        try {
          out = fzstd!.decompress(data, new Uint8Array(expected));
        } catch (e) {
          return fail(e, at);
        }
        return check(out, expected, at);
      };
    default:
      throw new InputError(inputName, { byte: 0 }, `trace.dat compressed with "${algorithm}", which lockreplay cannot decompress (zlib and zstd are supported)`);
  }
}
