/** A crashing or killed decode worker ends the run with a clear InputError, never a hang. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { InputError } from '../../src/model/inputError.ts';
import { writeTrace } from '../../bench/generate.ts';

const FIXTURE = pathToFileURL(resolve(import.meta.dirname, 'crashWorker.fixture.mjs')).href;

describe('decode worker failure', () => {
  it('rejects with an InputError naming the input and frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-crash-'));
    try {
      const path = join(dir, 't.txt');
      writeTrace(path, { seed: 7, bytes: 200_000 });
      const run = runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], workers: 2, frameBytes: 4096, workerFile: FIXTURE });
      const err = await run.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/t\.txt:\d+: decode worker failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the CLI runs end to end on workers, without a profile unless asked; bad --workers is exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-cli-'));
    try {
      const path = join(dir, 't.txt');
      writeTrace(path, { seed: 8, bytes: 100_000 });
      const ok = spawnSync(process.execPath, ['bin/lockreplay.js', 'replay', path, '--workers', '2', '--format', 'json'], { encoding: 'utf8', timeout: 60_000 });
      expect(ok.status).toBe(0);
      expect(JSON.parse(ok.stdout).profile).toBeUndefined();
      const bad = spawnSync(process.execPath, ['bin/lockreplay.js', 'replay', path, '--workers', '0'], { encoding: 'utf8', timeout: 60_000 });
      expect(bad.status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
