/**
 * xz and zstd input goes through the system's `xz -dc` / `zstd -dc` when it is
 * installed (src/io/compression.ts), else through the in-process decoders
 * (LOCKREPLAY_DECOMPRESS=builtin forces those): both give the same bytes, and
 * a caller that only sniffs the head of a compressed input and lets it go must
 * not leave the tool running (it would keep the process alive: a hang).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openInput } from '../../src/io/openInput.ts';
import { decompressorTool } from '../../src/io/compression.ts';
import { generateTrace } from '../../bench/generate.ts';

const dir = mkdtempSync(join(tmpdir(), 'lockreplay-decompress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = Buffer.from([...generateTrace({ seed: 4, bytes: 3_000_000 })].join(''));

async function readAll(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of (await openInput(path)).chunks) parts.push(c);
  return Buffer.concat(parts);
}

async function withBuiltin<T>(f: () => Promise<T>): Promise<T> {
  const was = process.env.LOCKREPLAY_DECOMPRESS;
  process.env.LOCKREPLAY_DECOMPRESS = 'builtin';
  try {
    return await f();
  } finally {
    if (was === undefined) delete process.env.LOCKREPLAY_DECOMPRESS;
    else process.env.LOCKREPLAY_DECOMPRESS = was;
  }
}

for (const kind of ['xz', 'zstd'] as const) {
  describe.skipIf(!decompressorTool(kind))(`${kind} through the system tool`, () => {
    const file = join(dir, `t.${kind}`);
    writeFileSync(file, spawnSync(kind, ['-c', '-1'], { input: text, maxBuffer: 64 << 20 }).stdout);

    it('gives the same bytes as the in-process decoder', async () => {
      expect((await readAll(file)).equals(text)).toBe(true);
      expect((await withBuiltin(() => readAll(file))).equals(text)).toBe(true);
    });

    it('a cut-off file is the same kind of error either way', async () => {
      const cut = join(dir, `cut.${kind}`);
      writeFileSync(cut, spawnSync(kind, ['-c', '-1'], { input: text, maxBuffer: 64 << 20 }).stdout.subarray(0, 5000));
      for (const read of [() => readAll(cut), () => withBuiltin(() => readAll(cut))]) {
        const err = await read().then(() => undefined, (e: unknown) => e as Error);
        expect(err?.message).toMatch(new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: byte \\d+: ${kind} data is corrupt or truncated`));
      }
    });
  });
}

describe.skipIf(!decompressorTool('xz'))('letting go of a compressed input', () => {
  it('after reading only its head, the process still exits', () => {
    const big = join(dir, 'big.xz');
    const lines = [...generateTrace({ seed: 6, bytes: 40_000_000 })].join('');
    writeFileSync(big, spawnSync('xz', ['-c', '-0'], { input: lines, maxBuffer: 256 << 20 }).stdout);
    const script = `
      const { openInput } = await import(${JSON.stringify(resolve(import.meta.dirname, '../../src/io/openInput.ts'))});
      const input = await openInput(${JSON.stringify(big)});
      if (input.head.length === 0) process.exit(3);
      await input.chunks[Symbol.asyncIterator]().return();
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, 'still running after 30 s').toBeNull();
    expect(r.status).toBe(0);
  }, 60_000);
});
