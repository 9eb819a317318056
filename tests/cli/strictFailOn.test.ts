/**
 * --strict fails on damage only (warnings), never on what every real capture shows (observations: non-LIFO
 * releases of rcu_read_lock and &wb->list_lock, releases of locks taken before the window, locks held at
 * its end), and says on stderr which warnings made it fail. 2 wins over 1. --fail-on picks the verdicts
 * that exit 1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';
import { MiniTrace, task } from '../helpers/miniTrace.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-strict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const a = task('lr1_strict', 100, 0), b = task('lr2_strict', 101, 1);

describe('--strict on real captures', () => {
  // scenario windows of real captures: each has non-LIFO releases, unheld releases and locks held at the end
  for (const [capture, code] of [['abba', 1], ['nested_ok', 0], ['irq_inversion', 1], ['pseudo_aa', 1]] as const) {
    it(`${capture}: the same exit code as without --strict (${code}), nothing on stderr`, () => {
      const r = cli('replay', `traces/${capture}.trace.txt.xz`, '--strict', '--format', 'json');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(code);
      const rep = JSON.parse(r.stdout);
      expect(rep.warnings).toEqual([]);
      expect(rep.observations.map((o: { kind: string }) => o.kind)).toEqual(expect.arrayContaining(['unheld-release', 'out-of-order-release', 'held-at-end']));
    });
  }
});

describe('--strict on damaged input', () => {
  const abbaDamaged = new MiniTrace().acq(a, 'A').acq(a, 'B').rel(a, 'B').rel(a, 'A').raw('garbage in the middle')
    .acq(b, 'B').acq(b, 'A').rel(b, 'A').rel(b, 'B').text();
  const f = join(dir, 'damaged.txt');
  writeFileSync(f, abbaDamaged);

  it('exits 2 (over the deadlock\'s 1) and names the warnings on one stderr line', () => {
    expect(cli('replay', f).status).toBe(1);
    const r = cli('replay', f, '--strict');
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`lockreplay: --strict: the input raised a warning: unparsed-line 1x first at ${f}:17`);
    expect(r.stdout).toContain('Warnings (the input is damaged');
  });
});

describe('--fail-on', () => {
  const lost = 'traces/examples/lost-events.txt'; // one unverified finding
  const gate = 'traces/examples/gate-hotplug.txt'; // one benign finding
  it('default: deadlock only', () => {
    expect(cli('replay', lost).status).toBe(0);
    expect(cli('replay', 'traces/abba.trace.txt.xz').status).toBe(1);
  });
  it('unverified, benign, a list', () => {
    expect(cli('replay', lost, '--fail-on', 'unverified').status).toBe(1);
    expect(cli('replay', lost, '--fail-on', 'deadlock').status).toBe(0);
    expect(cli('replay', gate, '--fail-on', 'benign').status).toBe(1);
    expect(cli('replay', gate, '--fail-on', 'deadlock,unverified').status).toBe(0);
  });
  it('none: exit 1 never', () => {
    expect(cli('replay', 'traces/abba.trace.txt.xz', '--fail-on', 'none').status).toBe(0);
  });
});
