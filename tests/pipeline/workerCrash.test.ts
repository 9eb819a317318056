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

  for (const [fixture, what] of [['crashWorker.fixture.mjs', 'exits'], ['throwWorker.fixture.mjs', 'throws']]) {
    it(`the CLI: a worker that ${what} is one line on stderr and exit 2, not a hang`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockreplay-crash-cli-'));
      try {
        const path = join(dir, 't.txt');
        writeTrace(path, { seed: 9, bytes: 300_000 });
        const r = spawnSync(process.execPath, ['bin/lockreplay.js', 'replay', path, '--workers', '2', '--chunk-size', '4K'], {
          encoding: 'utf8', timeout: 60_000,
          env: { ...process.env, LOCKREPLAY_WORKER_FILE: pathToFileURL(resolve(import.meta.dirname, fixture)).href },
        });
        expect(r.signal, 'killed by the timeout: the run hung').toBeNull();
        expect(r.status).toBe(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^lockreplay: .*t\.txt:\d+: decode worker failed on the block starting here \(.+\)$/);
        expect(r.stdout).toBe('');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  }

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
