/**
 * The two zstd decoders of trace.dat chunks (src/decode/tracedat/decompress.ts):
 * libzstd through the optional zstd-napi, and zstddec's WebAssembly build
 * (LOCKREPLAY_ZSTD=wasm). Both must give the same events, and the same error
 * at the same byte for a damaged chunk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { loadDecompressors } from '../../src/decode/tracedat/decompress.ts';
import { decodeWorkerEntry } from '../../src/pipeline/parallelWorkerEntry.ts';
import { RandomAccess } from '../../src/decode/tracedat/randomAccess.ts';
import { readTraceDatMeta } from '../../src/decode/tracedat/traceDatMeta.ts';
import { InputError } from '../../src/model/inputError.ts';
import { decodeAll, SHARED, V7 } from './tracedatHelpers.ts';

const nativeLoads = (await loadDecompressors('native')) === 'native';
const REAL = join(SHARED, 'abba/trace.dat.xz');
if (!nativeLoads) console.warn('zstd-napi is not loadable (optional dependency not built): zstddec serves every zstd chunk; the agreement tests are skipped');

async function withBackend<T>(backend: 'native' | 'wasm', f: () => Promise<T>): Promise<T> {
  process.env.LOCKREPLAY_ZSTD = backend;
  try {
    expect(await loadDecompressors()).toBe(backend);
    return await f();
  } finally {
    delete process.env.LOCKREPLAY_ZSTD;
  }
}

describe.skipIf(!nativeLoads)('zstd: libzstd (zstd-napi) and zstddec agree', () => {
  afterEach(() => void loadDecompressors());

  it('on the v7 fixture (zstd chunks), with tiny frames too', async () => {
    for (const frameBytes of [4 << 20, 512]) {
      const a = await withBackend('native', () => decodeAll(V7, { frameBytes }));
      const b = await withBackend('wasm', () => decodeAll(V7, { frameBytes }));
      expect(a.events.length).toBeGreaterThan(900);
      expect(a.events).toEqual(b.events);
    }
  });

  it.skipIf(!existsSync(REAL))('on the real abba capture (trace.dat.xz, every chunk of both CPUs)', async () => {
    const a = await withBackend('native', () => decodeAll(REAL));
    const b = await withBackend('wasm', () => decodeAll(REAL));
    expect(a.events.length).toBeGreaterThan(10_000);
    expect(a.events).toEqual(b.events);
  }, 60_000);

  it('a garbled chunk is the same InputError at the same byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-zstd-'));
    try {
      const file = RandomAccess.reopen(V7, V7);
      const lr = readTraceDatMeta(file).instances.find((b) => b.name === 'lr')!;
      file.close();
      const chunkAt = lr.cpus[0].offset + 4; // after the u32 chunk count: [u32 csize][u32 usize][zstd frame]
      const garbled = Buffer.from(readFileSync(V7));
      for (let k = 16; k < 48; k++) garbled[chunkAt + 8 + k] ^= 0x5a;
      const p = join(dir, 'garbled.dat');
      writeFileSync(p, garbled);
      for (const backend of ['native', 'wasm'] as const) {
        const err = (await withBackend(backend, () => decodeAll(p).then(() => undefined, (e: unknown) => e))) as InputError;
        expect(err, backend).toBeInstanceOf(InputError);
        expect(err.position).toEqual({ byte: chunkAt });
        expect(err.detail).toMatch(/corrupt trace\.dat: zstd block/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the decode worker bundled outside the project (tsx runs) still finds zstd-napi', async () => {
    // Under tsx the worker task is bundled into the temp dir; its createRequire() calls must resolve
    // packages from the project, or the worker silently falls back to zstddec.
    const code = readFileSync(new URL(await decodeWorkerEntry('decodeTraceDat')), 'utf8');
    const bases = [...code.matchAll(/createRequire\(([^)]*)\)/g)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      expect(base, 'a literal URL, not the bundle\'s own location').toMatch(/^"file:/);
      expect(() => createRequire(JSON.parse(base))('zstd-napi/binding')).not.toThrow();
    }
  }, 60_000);
});
