/**
 * Cut-off and corrupted compressed input (xz, gzip, zstd) through openInput:
 * always an InputError naming the input, the format and a byte offset, never a
 * silent early end and never another exception. (A truncated .xz used to be
 * suspected of ending silently; lzma-native reports LZMA_BUF_ERROR "No progress
 * is possible" at end of input, which decompress() turns into an InputError.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { openInput } from '../../src/io/openInput.ts';
import { InputError } from '../../src/model/inputError.ts';
import { formatTrace, traceArb } from '../fuzz/traceGen.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockreplay-compress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = Buffer.from(fc.sample(traceArb, { numRuns: 30, seed: 3 }).map((t) => formatTrace(t)).join(''));
const tool = (cmd: string) => spawnSync('sh', ['-c', cmd], { input: text, maxBuffer: 64 << 20 }).stdout as Buffer;
const compressed: Record<string, Buffer> = { xz: tool('xz -c'), gzip: gzipSync(text), zstd: tool('zstd -q -c') };

async function readAll(path: string, chunk: number): Promise<Buffer> {
  const inp = await openInput(path, chunk);
  const parts: Buffer[] = [];
  for await (const c of inp.chunks) parts.push(c);
  return Buffer.concat(parts);
}

describe('compressed input', () => {
  for (const [kind, data] of Object.entries(compressed)) {
    it(`${kind}: the whole file decompresses to the original`, async () => {
      expect(data.length).toBeGreaterThan(20);
      const p = join(dir, `whole.${kind}`);
      writeFileSync(p, data);
      expect((await readAll(p, 1 << 20)).equals(text)).toBe(true);
    });

    it(`${kind}: every cut-off is an InputError with the format and a byte offset`, async () => {
      const cuts = [...new Set([6, 12, 20, Math.floor(data.length / 3), Math.floor(data.length / 2), data.length - 9, data.length - 4, data.length - 1])].filter((n) => n > 4 && n < data.length);
      for (const n of cuts) {
        for (const chunk of [64, 1 << 20]) {
          const p = join(dir, `cut-${n}.${kind}`);
          writeFileSync(p, data.subarray(0, n));
          const err = await readAll(p, chunk).then(() => undefined, (e: unknown) => e);
          expect(err, `${kind} cut at ${n} (chunk ${chunk}) ended silently`).toBeInstanceOf(InputError);
          const ie = err as InputError;
          expect(ie.input).toBe(p);
          expect(ie.position && 'byte' in ie.position ? ie.position.byte : -1).toBeGreaterThanOrEqual(0);
          expect(ie.detail).toContain(`${kind} data is corrupt or truncated`);
        }
      }
    });

    it(`${kind}: corrupted bytes are an InputError or decode to something (never another exception)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: data.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, x) => {
          const b = Buffer.from(data);
          b[at] ^= x;
          const p = join(dir, `corrupt.${kind}`);
          writeFileSync(p, b);
          const err = await readAll(p, 4096).then(() => undefined, (e: unknown) => e);
          if (err !== undefined) expect(err).toBeInstanceOf(InputError);
        }),
        { numRuns: 40 },
      );
    });
  }
});
