/** The CLI's exit code: 0 no deadlock finding, 1 at least one, 2 unreadable input (src/cli/exitCodes.ts). */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { cli } from '../helpers/cli.ts';

const a = task('lr1_cli', 100, 0), b = task('lr2_cli', 101, 1);
let dir = '';

function run(text: string, ...args: string[]) {
  const f = join(dir, `t${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(f, text);
  return cli('replay', f, ...args);
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI exit code', () => {
  it('1 when there is a deadlock finding (ABBA)', () => {
    const t = new MiniTrace().acq(a, 'A').acq(a, 'B').rel(a, 'B').rel(a, 'A').acq(b, 'B').acq(b, 'A').rel(b, 'A').rel(b, 'B');
    const p = run(t.text());
    expect(p.stderr).not.toMatch(/Error/);
    expect(p.status).toBe(1);
    expect(p.stdout).toMatch(/A/);
  });

  it('0 when there is none (same order both times)', () => {
    const t = new MiniTrace().acq(a, 'A').acq(a, 'B').rel(a, 'B').rel(a, 'A').acq(b, 'A').acq(b, 'B').rel(b, 'B').rel(b, 'A');
    const p = run(t.text());
    expect(p.status).toBe(0);
  });

  it('0 when the only cycle is unverified (lost events)', () => {
    const t = new MiniTrace().acq(a, 'A').raw('CPU:0 [LOST 5 EVENTS]').acq(a, 'B').rel(a, 'B')
      .acq(b, 'B').acq(b, 'A').rel(b, 'A').rel(b, 'B');
    const p = run(t.text(), '--format', 'json');
    expect(p.status).toBe(0);
    expect(JSON.parse(p.stdout).findings[0].verdict).toBe('unverified');
  });

  it('2 for input that is not a trace', () => {
    const p = run('hello world\nthis is not a trace\n');
    expect(p.status).toBe(2);
  });
});
