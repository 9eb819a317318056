/**
 * Triage (issue 16 item 10): findings in trust order with stable numbers, a
 * summary table, unverified/benign/suppressed one or two lines each, filters
 * by class, kind and verdict, and one finding in full by number or ID.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task, replay } from '../helpers/miniTrace.ts';
import { cli } from '../helpers/cli.ts';
import { renderText } from '../../src/report/text.ts';
import { renderJson } from '../../src/report/json.ts';
import { selectFindings } from '../../src/report/selection.ts';
import { findingId } from '../../src/analysis/findingIdentity.ts';
import type { ReplayResult } from '../../src/report/result.ts';

const t1 = task('lr1_tri', 100, 0), t2 = task('lr2_tri', 101, 1), t3 = task('lr3_tri', 102, 2);
const G = 'ffff888001000100';

/** In trace order: a benign cycle (gate lock), an unverified one on two uncertain dependencies, one on one, a deadlock. */
function mixed(): MiniTrace {
  const t = new MiniTrace();
  // benign: every dependency of P <-> Q recorded holding the same instance of gate
  t.acq(t1, 'gate', { addr: G }).acq(t1, 'P').acq(t1, 'Q').rel(t1, 'Q').rel(t1, 'P').rel(t1, 'gate', { addr: G });
  t.acq(t2, 'gate', { addr: G }).acq(t2, 'Q').acq(t2, 'P').rel(t2, 'P').rel(t2, 'Q').rel(t2, 'gate', { addr: G });
  // unverified on two: u1 -> u2 and u2 -> u3 each recorded after a loss; u3 -> u1 certain. A second loss
  // before the releases keeps them unproven (a release with no loss in between would prove the held entry).
  t.acq(t1, 'u1').raw('CPU:0 [LOST 1 EVENTS]').acq(t1, 'u2').raw('CPU:0 [LOST 1 EVENTS]').rel(t1, 'u2').rel(t1, 'u1');
  t.acq(t1, 'u2').raw('CPU:0 [LOST 1 EVENTS]').acq(t1, 'u3').raw('CPU:0 [LOST 1 EVENTS]').rel(t1, 'u3').rel(t1, 'u2');
  t.acq(t2, 'u3').acq(t2, 'u1').rel(t2, 'u1').rel(t2, 'u3');
  // unverified on one: y -> x after a loss; x -> y certain
  t.acq(t1, 'y').raw('CPU:0 [LOST 1 EVENTS]').acq(t1, 'x').raw('CPU:0 [LOST 1 EVENTS]').rel(t1, 'x').rel(t1, 'y');
  t.acq(t2, 'x').acq(t2, 'y').rel(t2, 'y').rel(t2, 'x');
  // deadlock: lr_c <-> lr_d
  t.acq(t3, 'lr_c').acq(t3, 'lr_d').rel(t3, 'lr_d').rel(t3, 'lr_c');
  t.acq(t2, 'lr_d').acq(t2, 'lr_c').rel(t2, 'lr_c').rel(t2, 'lr_d');
  return t;
}

let r: ReplayResult;
let dir = '';
let file = '';
beforeAll(async () => {
  r = await replay(mixed());
  dir = mkdtempSync(join(tmpdir(), 'lockreplay-triage-'));
  file = join(dir, 'mixed.txt');
  writeFileSync(file, mixed().text());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shape = (res: ReplayResult) => res.findings.map((f) => `${f.verdict} ${[...f.classes].sort().join(',')}`);

describe('trust order', () => {
  it('deadlock, then unverified on the least uncertain state, then benign; the first deadlock keeps its mark', () => {
    expect(shape(r)).toEqual(['deadlock lr_c,lr_d', 'unverified x,y', 'unverified u1,u2,u3', 'benign P,Q']);
    expect(r.findings[0].lockdepWouldReportFirst).toBe(true);
    // In trace order the deadlock was last; every finding has its identity.
    expect(r.findings.every((f) => /^[0-9a-f]{12}$/.test(f.id!) && f.title!.startsWith('possible deadlock: '))).toBe(true);
  });

  it('JSON lists the findings in the same order, with the summary over all of them', () => {
    const j = JSON.parse(renderJson(r)) as ReplayResult;
    expect(j.findings.map((f) => f.id)).toEqual(r.findings.map((f) => f.id));
    expect(j.summary!.byKind).toEqual({ 'circular-dependency': { deadlock: 1, unverified: 2, benign: 1 } });
    expect(j.summary!.uncertainDependencies!.count).toBe(3);
  });
});

describe('text report', () => {
  it('opens with the kind x verdict table and top classes; deadlocks in full, the rest in one or two lines', () => {
    const text = renderText(r);
    const lines = text.split('\n');
    expect(lines).toContain('  findings: 4 (1 deadlock, 2 unverified, 1 benign)');
    expect(text).toMatch(/^ {4}kind +deadlock +unverified +benign +suppressed$/m);
    expect(text).toMatch(/^ {4}circular-dependency +1 +2 +1 +0$/m);
    expect(text).toMatch(/^ {2}top classes: .*u1 \(1\)/m);
    expect(text.match(/^#\d+ WARNING: /gm)).toEqual(['#1 WARNING: ']);
    const i = lines.findIndex((l) => l.startsWith('Findings not proven'));
    expect(lines.slice(i + 1, i + 7)).toEqual([
      `  #2 unverified [${r.findings[1].id}] possible deadlock: x -> y -> x`,
      expect.stringMatching(/^ {6}rests on 1 dependency recorded only while held-lock state was unknown/),
      `  #3 unverified [${r.findings[2].id}] possible deadlock: u1 -> u2 -> u3 -> u1`,
      expect.stringMatching(/^ {6}rests on 2 dependencies/),
      `  #4 benign [${r.findings[3].id}] possible deadlock: P -> Q -> P`,
      expect.stringMatching(/^ {6}gate lock: every dependency of the cycle was recorded while holding gate/),
    ]);
  });

  it('--full prints every finding in full', () => {
    expect(renderText(r, { full: true }).match(/^#\d+ WARNING: /gm)).toEqual(['#1 WARNING: ', '#2 WARNING: ', '#3 WARNING: ', '#4 WARNING: ']);
  });
});

describe('filters', () => {
  it('by verdict, kind and class keep each finding\'s number in the whole report', () => {
    const v = selectFindings(r, { verdicts: ['unverified', 'benign'] });
    expect(v.selection!.numbers).toEqual([2, 3, 4]);
    expect(v.selection!.of).toBe(4);
    expect(selectFindings(r, { classes: ['u?'] }).selection!.numbers).toEqual([3]);
    expect(selectFindings(r, { classes: ['/^lr_/'] }).selection!.numbers).toEqual([1]);
    expect(selectFindings(r, { kinds: ['recursive-locking'] }).findings).toEqual([]);
    expect(selectFindings(r, { classes: ['P'], verdicts: ['deadlock'] }).findings).toEqual([]);
    // The summary still counts every finding.
    const text = renderText(selectFindings(r, { verdicts: ['benign'] }));
    expect(text).toContain('  findings: 4 (1 deadlock, 2 unverified, 1 benign)');
    expect(text).toContain('  shown: 1 of 4 (--verdict benign)');
    expect(text).toMatch(/^ {2}#4 benign /m);
  });

  it('one finding in full by number, #number, ID or ID prefix', () => {
    const id = findingId({ kind: 'circular-dependency', classes: ['u1', 'u2', 'u3'] });
    for (const sel of ['3', '#3', id, id.slice(0, 6), id.toUpperCase()]) {
      const one = selectFindings(r, { findings: [sel] });
      expect(one.selection!.numbers, sel).toEqual([3]);
      const text = renderText(one);
      expect(text.match(/^#\d+ WARNING: /gm), sel).toEqual(['#3 WARNING: ']);
      expect(text).toContain(`   id ${id}: possible deadlock: u1 -> u2 -> u3 -> u1`);
    }
    expect(() => selectFindings(r, { findings: ['9'] })).toThrow('--finding: 9: no such finding (the report has 4)');
    expect(() => selectFindings(r, { findings: ['abcdef012345'] })).toThrow(/no finding with this ID/);
  });

  it('on the command line: a view only (the exit code is the whole result\'s), bad values one line and exit 2', () => {
    const j = cli('replay', file, '--verdict', 'benign', '--format', 'json');
    expect(j.status).toBe(1);
    const out = JSON.parse(j.stdout) as ReplayResult;
    expect(out.findings.map((f) => f.verdict)).toEqual(['benign']);
    expect(out.selection).toEqual({ verdict: ['benign'], of: 4, numbers: [4] });
    const one = cli('replay', file, '--finding', '2', '--kind', 'circular-dependency,recursive-locking');
    expect(one.stdout.match(/^#\d+ WARNING: .*/gm)).toEqual(['#2 WARNING: possible circular locking dependency detected']);
    for (const [args, msg] of [
      [['--kind', 'circular'], /'circular' is not one of: circular-dependency/],
      [['--verdict', 'deadlock,maybe'], /'maybe' is not one of: deadlock, unverified, benign, suppressed/],
      [['--finding', 'x1'], /--finding <n\|id>.*expected a finding number/],
      [['--finding', '77'], /^lockreplay: --finding: 77: no such finding \(the report has 4\)$/m],
      [['--class', '/(/'], /--class <pattern>.*invalid regular expression/],
    ] as const) {
      const bad = cli('replay', file, ...args);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(bad.stderr).toMatch(msg);
    }
  });
});
