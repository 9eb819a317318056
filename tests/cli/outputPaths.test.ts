/**
 * Output paths are checked before the replay starts: a missing directory, a directory given as the file,
 * an unwritable place are one line naming the option and the path, exit 2, at once (the input here is a
 * file that would take long to replay, and is never opened: it does not even exist).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-outpaths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missing = join(dir, 'no', 'such', 'dir');
// the check comes first: an input that does not exist would be the error if the replay had started
const NOT_READ = join(dir, 'never-opened.txt');

function expectRefused(args: string[], option: string, path: string, why: RegExp) {
  const r = cli(...args);
  const lines = r.stderr.split('\n').filter((l) => l.length);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`lockreplay: ${option} ${path}`);
  expect(lines[0]).toMatch(why);
  expect(lines[0]).not.toMatch(/ENOENT|internal error/);
  expect(r.status).toBe(2);
}

describe('output paths are checked first', () => {
  it('replay -o into a missing directory', () => {
    expectRefused(['replay', NOT_READ, '-o', join(missing, 'r.txt')], '-o', join(missing, 'r.txt'), /does not exist.*mkdir -p/);
  });
  it('replay --save-graph into a missing directory', () => {
    expectRefused(['replay', NOT_READ, '--save-graph', join(missing, 'g.json')], '--save-graph', join(missing, 'g.json'), /does not exist/);
  });
  it('replay -o naming a directory', () => {
    expectRefused(['replay', NOT_READ, '-o', dir], '-o', dir, /is a directory/);
  });
  it('merge -o, diff -o, export -o', () => {
    expectRefused(['merge', NOT_READ, '-o', join(missing, 'm.json')], '-o', join(missing, 'm.json'), /does not exist/);
    expectRefused(['diff', NOT_READ, NOT_READ, '-o', join(missing, 'd.txt')], '-o', join(missing, 'd.txt'), /does not exist/);
    expectRefused(['export', NOT_READ, '-o', join(missing, 'e.dot')], '-o', join(missing, 'e.dot'), /does not exist/);
  });
});
