/**
 * merge on real captures: abba cut in two (traces/abba-step1.txt.xz holds
 * lr1_abba's lr_mutex_a -> lr_mutex_b, traces/abba-step2.txt.xz lr2_abba's
 * lr_mutex_b -> lr_mutex_a). Cut from /work/shared/traces/abba/trace.txt.xz
 * (185281 lines): the 12 header lines + line 48670 (`##### CPU 0 buffer
 * started ####`) + lines 153497-161500 (insmod marker up to just before
 * `lrtest: scenario abba step 2 begin`), and header + line 48670 + lines
 * 161501-175974 (step 2 begin up to just before the rmmod marker); xz -9e.
 * No cycle in
 * either alone, the cycle in the union with each dependency citing its
 * capture. Any order and grouping of inputs gives the same bytes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SHARED_TRACES as SHARED, cli } from '../helpers/cli.ts';

const STEP1 = join(ROOT, 'traces/abba-step1.txt.xz');
const STEP2 = join(ROOT, 'traces/abba-step2.txt.xz');
const RECLAIM = join(SHARED, 'reclaim/trace.txt.xz');
const PSEUDO_AA = join(SHARED, 'pseudo_aa/trace.txt.xz');
let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-merge-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function saveGraph(trace: string, capture: string): string {
  const out = join(dir, `${capture}.graph.json`);
  const p = cli('replay', trace, '--save-graph', out, '--capture', capture, '--format', 'json');
  expect(p.stderr).toBe('');
  return out;
}
const isAbba = (f: { kind: string; classes: string[] }) => f.kind === 'circular-dependency' && [...f.classes].sort().join() === 'lr_mutex_a,lr_mutex_b';

describe('merge', () => {
  it('finds the cycle only in the union, citing each half\'s capture', () => {
    for (const t of [STEP1, STEP2]) {
      const p = cli('replay', t, '--format', 'json');
      expect(p.status).toBe(0);
      expect(JSON.parse(p.stdout).findings.filter(isAbba)).toEqual([]);
    }
    const g1 = saveGraph(STEP1, 'abba-step1'), g2 = saveGraph(STEP2, 'abba-step2');
    const p = cli('merge', g1, g2, '-o', join(dir, 'union.json'), '--format', 'json');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(1);
    const cycles = JSON.parse(p.stdout).findings.filter(isAbba);
    expect(cycles).toHaveLength(1);
    expect(cycles[0].verdict).toBe('deadlock');
    const byFrom = new Map(cycles[0].dependencies.map((d: { from: string }) => [d.from, d]));
    const ab = byFrom.get('lr_mutex_a') as { to: string; captures: string[]; first: { input: string; comm: string } };
    const ba = byFrom.get('lr_mutex_b') as { to: string; captures: string[]; first: { input: string; comm: string } };
    expect(ab.to).toBe('lr_mutex_b');
    expect(ab.captures).toEqual(['abba-step1']);
    expect(ab.first.input).toMatch(/^abba-step1: /);
    expect(ab.first.comm).toBe('lr1_abba');
    expect(ba.captures).toEqual(['abba-step2']);
    expect(ba.first.input).toMatch(/^abba-step2: /);
    expect(ba.first.comm).toBe('lr2_abba');
    // The merged file keeps provenance too.
    const union = JSON.parse(readFileSync(join(dir, 'union.json'), 'utf8'));
    expect(union.captures.map((c: { name: string }) => c.name)).toEqual(['abba-step1', 'abba-step2']);
    const dep = union.dependencies.find((d: { from: string; to: string }) => d.from === 'lr_mutex_b' && d.to === 'lr_mutex_a');
    expect(dep.captures).toEqual(['abba-step2']);
    // The text report cites the capture on each dependency's evidence.
    const text = cli('merge', g2, g1, '-o', join(dir, 'union-t.json')).stdout;
    expect(text).toMatch(/first: abba-step1: .*lr1_abba/);
    expect(text).toMatch(/first: abba-step2: .*lr2_abba/);
  });

  it('replay mixes traces and graph files', () => {
    const g2 = saveGraph(STEP2, 'abba-step2');
    const p = cli('replay', STEP1, g2, '--format', 'json');
    expect(p.status).toBe(1);
    expect(JSON.parse(p.stdout).findings.filter(isAbba)).toHaveLength(1);
  });

  it.skipIf(!existsSync(PSEUDO_AA))('replay of a trace beside a graph keeps the trace\'s recursion finding', () => {
    const g1 = saveGraph(STEP1, 'abba-step1');
    const alone = JSON.parse(cli('replay', PSEUDO_AA, '--format', 'json').stdout).findings.filter((f: { kind: string }) => f.kind === 'recursive-locking');
    expect(alone.length).toBeGreaterThan(0);
    const p = cli('replay', PSEUDO_AA, g1, '--format', 'json');
    expect(p.status).toBe(1);
    const mixed = JSON.parse(p.stdout).findings.filter((f: { kind: string }) => f.kind === 'recursive-locking');
    expect(mixed.map((f: { classes: string[]; verdict: string }) => [f.classes, f.verdict])).toEqual(alone.map((f: { classes: string[]; verdict: string }) => [f.classes, f.verdict]));
  });

  it('refuses the same capture twice (its counts would double)', () => {
    const g1 = saveGraph(STEP1, 'abba-step1');
    const p = cli('merge', g1, g1, '-o', join(dir, 'dup.json'));
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/abba-step1/);
  });

  it.skipIf(!existsSync(RECLAIM))('is commutative and associative, byte for byte (file and report)', () => {
    const A = saveGraph(STEP1, 'abba-step1'), B = saveGraph(STEP2, 'abba-step2'), C = saveGraph(RECLAIM, 'reclaim');
    const merge = (out: string, ...ins: string[]) => {
      const p = cli('merge', ...ins, '-o', join(dir, out), '--format', 'json');
      expect(p.stderr).toBe('');
      return { file: readFileSync(join(dir, out), 'utf8'), report: p.stdout, status: p.status };
    };
    const ab = merge('ab.json', A, B);
    merge('bc.json', B, C);
    const variants = [
      merge('abc.json', A, B, C),
      merge('cab.json', C, A, B),
      merge('bac.json', B, A, C),
      merge('ab_c.json', join(dir, 'ab.json'), C),
      merge('c_ab.json', C, join(dir, 'ab.json')),
      merge('a_bc.json', A, join(dir, 'bc.json')),
      merge('bc_a.json', join(dir, 'bc.json'), A),
    ];
    expect(ab.status).toBe(1);
    for (const v of variants) {
      expect(v.file).toBe(variants[0].file);
      expect(v.report).toBe(variants[0].report);
      expect(v.status).toBe(1);
    }
    const u = JSON.parse(variants[0].file);
    expect(u.captures.map((c: { name: string }) => c.name)).toEqual(['abba-step1', 'abba-step2', 'reclaim']);
    // reclaim's own cycle survives in the union, with its capture.
    const report = JSON.parse(variants[0].report);
    const reclaim = report.findings.find((f: { classes: string[] }) => f.classes.includes('fs_reclaim') && f.classes.includes('lr_reclaim_mutex'));
    expect(reclaim).toBeDefined();
    for (const d of reclaim.dependencies) expect(d.captures).toContain('reclaim');
  });
});
