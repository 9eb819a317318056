/** --profile adds figures to the report (and nothing else changes); progress stays silent off a terminal. */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { renderJson } from '../../src/report/json.ts';
import { formatProfile, STAGES, type ProfileReport } from '../../src/pipeline/profile.ts';
import { Progress } from '../../src/pipeline/progress.ts';
import { writeTrace } from '../../bench/generate.ts';

describe('profile', () => {
  let dir: string;
  let path: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lockreplay-prof-'));
    path = join(dir, 't.txt');
    writeTrace(path, { seed: 3, bytes: 150_000 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const workers of [1, 2]) {
    it(`covers every stage and leaves the rest of the report unchanged (workers=${workers})`, async () => {
      const plain = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], workers });
      expect(plain.profile).toBeUndefined();
      const profiled = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], workers, profile: true, frameBytes: 16 << 10 });
      const p = profiled.profile as ProfileReport;
      expect(Object.keys(p.stages)).toEqual([...STAGES]);
      expect(p.events).toBe(profiled.stats.events);
      expect(p.bytesDecompressed).toBe(profiled.inputs[0].bytes);
      expect(p.chainCacheHitRate).toBeCloseTo(profiled.stats.chainCacheHitRate, 3);
      expect(p.peakRssMb).toBeGreaterThan(0);
      expect(p.workerUtilisation === undefined).toBe(workers === 1);
      delete profiled.profile;
      expect(renderJson(profiled)).toBe(renderJson(plain));
      expect(formatProfile(p)).toMatch(/read\+decompress[\s\S]*analysis\+report/);
    }, 60_000);
  }

  it('progress is silent when disabled', () => {
    const write = process.stderr.write;
    let wrote = false;
    process.stderr.write = (() => ((wrote = true), true)) as typeof process.stderr.write;
    try {
      const p = new Progress(false);
      p.update('x', 1, 2, 3);
      p.done();
    } finally {
      process.stderr.write = write;
    }
    expect(wrote).toBe(false);
  });
});
