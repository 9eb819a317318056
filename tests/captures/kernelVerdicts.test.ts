/**
 * Every real capture in ../shared/traces (incl. k6.12/*): each lockdep report
 * in dmesg.txt is found as a finding of the same kind over the same classes
 * with verdict `deadlock`, and no other finding has verdict `deadlock`.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SHARED_TRACES } from '../helpers/cli.ts';
import { runReplay, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import type { Finding } from '../../src/analysis/findings.ts';
import { parseDmesg, stripSuffix } from './dmesgVerdicts.ts';

const TRACES = SHARED_TRACES;
const HAVE = existsSync(TRACES);

/** lockreplay's kinds; the kernel's irq-inversion is lockreplay's irq-safe-unsafe. */
const KIND_OF: Record<string, Finding['kind']> = {
  'circular-dependency': 'circular-dependency',
  'recursive-locking': 'recursive-locking',
  'inconsistent-irq-state': 'inconsistent-irq-state',
  'irq-safe-unsafe': 'irq-safe-unsafe',
  'irq-inversion': 'irq-safe-unsafe',
};

function captures(): string[] {
  if (!HAVE) return [];
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'trace.txt.xz')) && existsSync(join(dir, 'dmesg.txt'))) out.push(dir);
    if (depth === 0) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name), depth - 1);
  };
  walk(TRACES, 2);
  return out.sort();
}

const key = (kind: string, classes: string[]) => `${kind}: ${[...new Set(classes.map(stripSuffix))].sort().join(' | ')}`;

describe('dmesg parser (the rules of dmesg_verdicts.py)', () => {
  it('reads a circular report\'s classes up to "other info", keeping nested parentheses', () => {
    const text = [
      '[   13.4] ======================================================',
      '[   13.4] WARNING: possible circular locking dependency detected',
      '[   13.4] lr2/144 is trying to acquire lock:',
      '[   13.4] ffffffffa00026f0 ((wq_completion)lr_wq){+.+.}-{0:0}, at: x+0x1/0x2',
      '[   13.4] ffffffffa0002650 (&sb->s_type->i_mutex_key#14){+.+.}-{3:3}, at: y',
      '[   13.4] other info that might help us debug this:',
      '[   13.4] ffffffffa0002650 (not_this){+.+.}-{3:3}, at: y',
    ].join('\n');
    expect(parseDmesg(text)).toEqual([{
      kind: 'circular-dependency',
      header: 'WARNING: possible circular locking dependency detected',
      classes: ['&sb->s_type->i_mutex_key', '(wq_completion)lr_wq'],
    }]);
  });

  it('finds nothing in a silent log', () => {
    expect(parseDmesg('[    0.0] Linux version 6.1\n[ 1.0] lrtest: scenario x done\n')).toEqual([]);
  });
});

describe.skipIf(!HAVE)('kernel verdicts of the real captures (../shared/traces)', () => {
  const list = captures();
  it('finds the captures', () => {
    expect(list.length).toBeGreaterThan(0);
  });

  it.each(list.map((d) => [relative(TRACES, d), d]))('%s', async (_name, dir) => {
    const reports = parseDmesg(readFileSync(join(dir, 'dmesg.txt'), 'utf8'));
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [join(dir, 'trace.txt.xz')] });
    const dead = r.findings.filter((f) => f.verdict === 'deadlock').map((f) => key(f.kind, f.classes));
    const all = r.findings.map((f) => `${key(f.kind, f.classes)} [${f.verdict}]`);
    const expected = reports.filter((k) => KIND_OF[k.kind]).map((k) => key(KIND_OF[k.kind], k.classes));
    for (const e of expected) expect(dead, `kernel reported ${e}; findings: ${all.join('; ') || 'none'}`).toContain(e);
    const extra = dead.filter((d) => !expected.includes(d));
    expect(extra, `deadlock findings the kernel did not report; all findings: ${all.join('; ')}`).toEqual([]);
  });
});

if (!HAVE) describe('kernel verdicts of the real captures', () => {
  it.skip(`skipped: ${TRACES} is absent`, () => {});
});
