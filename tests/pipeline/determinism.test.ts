/**
 * The report must be byte-identical whatever the worker count and block size
 * (--workers 1 to 4, --chunk-size 1 KB to 64 MB): blocks are cut anywhere, the
 * lines across their ends are joined in input order, workers remap strings and
 * feed the replay strictly in block order. On a synthetic trace with migrating
 * tasks and interleaved irq contexts (the full cross), on every bundled capture
 * in traces/, and on the full abba capture when ../shared is there.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { renderJson } from '../../src/report/json.ts';
import { writeTrace } from '../../bench/generate.ts';
import { ROOT, SHARED_TRACES } from '../helpers/cli.ts';

const WORKERS = [1, 2, 3, 4];
const CHUNKS = [1 << 10, 64 << 10, 4 << 20, 64 << 20];

async function report(path: string, workers: number, frameBytes: number): Promise<string> {
  const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], workers, frameBytes });
  return renderJson(r);
}

describe('synthetic trace (migrating tasks, interleaved irq contexts)', () => {
  let dir: string;
  let path: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockreplay-det-'));
    path = join(dir, 'synthetic.txt');
    writeTrace(path, { seed: 20261123, bytes: 400_000, cpus: 4, tasks: 12 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exercises what it claims to', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path] });
    expect(r.stats.events).toBeGreaterThan(3000);
    expect(r.stats.workqueueEvents).toBeGreaterThan(0);
    expect(r.stats.contexts).toBeGreaterThan(12); // task contexts plus irq contexts
  });

  it('gives the same bytes for every worker count and chunk size', async () => {
    const base = await report(path, 1, DEFAULT_RUN_OPTIONS.frameBytes);
    for (const w of WORKERS) {
      for (const c of CHUNKS) expect(await report(path, w, c), `workers=${w} chunk=${c}`).toBe(base);
    }
  }, 120_000);
});

const FIXTURES = readdirSync(join(ROOT, 'traces')).filter((f) => f.endsWith('.txt.xz')).sort();

describe('bundled captures (traces/)', () => {
  it('are all here', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
  });
  // Every worker count meets every block size on some capture; the inline path runs the smallest and largest on all.
  FIXTURES.forEach((name, i) => {
    it(`${name}: the same bytes for every worker count and chunk size`, async () => {
      const path = join(ROOT, 'traces', name);
      const base = await report(path, 1, DEFAULT_RUN_OPTIONS.frameBytes);
      // enough events for the chunk sizes to cut through many lines (the smallest fixture, a perf pipe-mode recording, has 598)
      expect(JSON.parse(base).stats.events).toBeGreaterThan(500);
      const runs: [number, number][] = [[1, CHUNKS[0]], [1, CHUNKS[3]], [2, CHUNKS[i % 4]], [3, CHUNKS[(i + 1) % 4]], [4, CHUNKS[(i + 2) % 4]]];
      for (const [w, c] of runs) expect(await report(path, w, c), `workers=${w} chunk=${c}`).toBe(base);
    }, 120_000);
  });
});

const ABBA = join(SHARED_TRACES, 'abba/trace.txt.xz');

describe.skipIf(!existsSync(ABBA))('real capture (abba)', () => {
  it('gives the same bytes for every worker count and chunk size', async () => {
    const base = await report(ABBA, 1, DEFAULT_RUN_OPTIONS.frameBytes);
    expect(JSON.parse(base).findings.length).toBeGreaterThan(0);
    // The full cross is covered on the synthetic trace; here each axis is checked against the base.
    for (const w of [3, 4]) expect(await report(ABBA, w, 4 << 20), `workers=${w}`).toBe(base);
    for (const c of CHUNKS) expect(await report(ABBA, 2, c), `workers=2 chunk=${c}`).toBe(base);
    expect(await report(ABBA, 1, 1 << 10), 'workers=1 chunk=1K').toBe(base);
  }, 300_000);
});

describe('worker decoded frames out of order', () => {
  it('falls back to decoding those frames on the main thread, same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-misorder-'));
    try {
      const path = join(dir, 't.txt');
      writeTrace(path, { seed: 99, bytes: 200_000, cpus: 4, tasks: 12 });
      const base = await report(path, 1, 4 << 10);
      const workerFile = pathToFileURL(join(import.meta.dirname, 'misorderWorker.fixture.mjs')).href;
      const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], workers: 2, frameBytes: 4 << 10, workerFile });
      expect(renderJson(r)).toBe(base);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
