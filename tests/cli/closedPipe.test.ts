/**
 * `lockreplay … | head -1`: a reader that goes away ends the program quietly with 141 (128 + SIGPIPE, what a
 * shell reports for `cat big | head -1`), never a `write EPIPE` stack trace and exit 1 ("deadlock found").
 * Real pipes through bash with pipefail, outputs far bigger than a pipe's buffer so the write really fails.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/cli.ts';
import { manyCycles } from './manyCycles.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const trace = join(dir, 'many.txt');
writeFileSync(trace, manyCycles(1000));

function throughHead(args: string[]) {
  const cmd = `set -o pipefail; ${[process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')} | head -1`;
  return spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8' });
}

describe('a closed pipe', () => {
  const cases: [string, string[], RegExp][] = [
    ['replay (text)', ['replay', trace], /^lockreplay report$/],
    ['replay --format json', ['replay', trace, '--format', 'json'], /^\{$/],
    ['export', ['export', trace], /^digraph /],
    ['compare-lockdep', ['compare-lockdep', trace, '--lockdep', 'traces/examples/abba.lockdep.txt'], /^lockreplay compare-lockdep$/],
  ];
  for (const [what, args, first] of cases) {
    it(`${what}: exit 141, nothing on stderr`, () => {
      const r = throughHead(args);
      expect(r.stderr).toBe('');
      expect(r.stdout.trimEnd()).toMatch(first);
      expect(r.status).toBe(141);
    });
  }
});
