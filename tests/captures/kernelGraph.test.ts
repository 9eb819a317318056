/**
 * `replay --lockdep` on the real captures (../shared/traces) with the boot's
 * own /proc/lockdep and /proc/lockdep_stats: far fewer `unverified` findings
 * on the lossy none/trace.dat (lockdep silent, debug_locks 1), no deadlock
 * there; the real ABBA of abba/perf_rerun is not refuted; on every capture
 * with a dump, lockdep's reports are still found and nothing is invented.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SHARED_TRACES } from '../helpers/cli.ts';
import { runReplay, DEFAULT_RUN_OPTIONS, type RunOptions } from '../../src/pipeline/runReplay.ts';
import { loadKernelGraph } from '../../src/decode/lockdep/kernelGraph.ts';
import { readProcLockdep } from '../../src/decode/lockdep/procLockdep.ts';
import { baseClassName, normaliseClassName } from '../../src/decode/lockdep/lockdepComparison.ts';
import type { Finding } from '../../src/analysis/findings.ts';
import { parseDmesg, stripSuffix } from './dmesgVerdicts.ts';

const HAVE = existsSync(SHARED_TRACES);
const REFUTED = /^refuted-by-kernel-graph: /;

async function replayWith(dir: string, input: string, kernel: boolean, extra: Partial<RunOptions> = {}): Promise<Finding[]> {
  const d = join(SHARED_TRACES, dir);
  const kernelGraph = kernel ? await loadKernelGraph(join(d, 'lockdep.txt'), join(d, 'lockdep_stats.txt')) : undefined;
  const r = await runReplay({
    ...DEFAULT_RUN_OPTIONS, ...extra, inputs: [join(d, input)],
    replay: { ...DEFAULT_RUN_OPTIONS.replay, ...(kernelGraph ? { kernelGraph } : {}) },
  });
  return r.findings;
}

const count = (fs: Finding[], verdict: Finding['verdict']) => fs.filter((f) => f.verdict === verdict).length;

describe.skipIf(!HAVE || !existsSync(join(SHARED_TRACES, 'none/trace.dat.xz')))('none with its /proc/lockdep (debug_locks 1)', () => {
  // trace.dat: 1,751 loss gaps; perf script: no irq flags (dependencies that may join an interrupt's lock to the task's).
  it.each(['trace.dat.xz', 'perf-script.txt.xz'])('%s: at least 10x fewer unverified findings, 0 deadlocks, each refutation a dependency the dump lacks', async (input) => {
    const before = await replayWith('none', input, false);
    const after = await replayWith('none', input, true);
    expect(count(before, 'deadlock')).toBe(0);
    expect(count(after, 'deadlock')).toBe(0);
    const u0 = count(before, 'unverified'), u1 = count(after, 'unverified');
    expect(u0).toBeGreaterThan(0);
    expect(u1 * 10).toBeLessThanOrEqual(u0);
    // Checked against the dump independently: a refuted dependency is no direct edge there (by base name).
    const base = (n: string) => baseClassName(normaliseClassName(n));
    const kernel = await readProcLockdep(join(SHARED_TRACES, 'none/lockdep.txt'));
    const edges = new Set(kernel.dependencies.map((d) => `${base(d.from)} -> ${base(d.to)}`));
    const refuted = after.filter((f) => REFUTED.test(f.reason ?? ''));
    expect(refuted.length).toBeGreaterThan(0);
    for (const f of refuted) {
      expect(f.verdict).toBe('benign');
      // The reason names a dependency of the finding that the dump lacks (class names may hold ", ").
      const lacking = f.dependencies.filter((d) => !edges.has(`${base(d.from)} -> ${base(d.to)}`));
      expect(lacking.some((d) => f.reason!.includes(`${d.from} -> ${d.to}`)), f.reason).toBe(true);
    }
  }, 120_000);
});

describe.skipIf(!HAVE || !existsSync(join(SHARED_TRACES, 'abba/perf_rerun/perf.data.xz')))('abba/perf_rerun with its /proc/lockdep (debug_locks 0)', () => {
  const abba = (fs: Finding[]) => fs.filter((f) => f.kind === 'circular-dependency' && [...f.classes].sort().join() === 'lr_mutex_a,lr_mutex_b');
  it.each([
    ['perf-script.txt.xz', {}],
    ['perf.data.xz', { kallsyms: join(SHARED_TRACES, 'abba/perf_rerun/kallsyms.txt.xz') }],
  ])('%s: the real ABBA is not refuted, no deadlock invented', async (input, extra) => {
    const before = await replayWith('abba/perf_rerun', input, false, extra);
    const after = await replayWith('abba/perf_rerun', input, true, extra);
    expect(abba(after).map((f) => f.verdict)).toEqual(abba(before).map((f) => f.verdict));
    expect(abba(after).map((f) => f.verdict)).not.toContain('benign');
    expect(count(after, 'deadlock')).toBe(count(before, 'deadlock'));
    expect(after.filter((f) => abba([f]).length && REFUTED.test(f.reason ?? ''))).toEqual([]);
    // What keeps it: the dump does not list lrtest.ko's classes (unloaded before the dump: zapped), and
    // debug_locks is 0 there (the mini-traces in tests/analysis/kernelGraph.test.ts cover listed classes).
    const kg = await loadKernelGraph(join(SHARED_TRACES, 'abba/perf_rerun/lockdep.txt'), join(SHARED_TRACES, 'abba/perf_rerun/lockdep_stats.txt'));
    expect([kg.status('lr_mutex_b', 'lr_mutex_a'), kg.onAtDump]).toEqual(['unlisted', false]);
  }, 120_000);
});

/** Every capture with a trace.txt.xz, a dmesg.txt and a /proc/lockdep dump. */
function capturesWithDump(): string[] {
  if (!HAVE) return [];
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (['trace.txt.xz', 'dmesg.txt', 'lockdep.txt', 'lockdep_stats.txt'].every((f) => existsSync(join(dir, f)))) out.push(dir);
    if (depth === 0) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name), depth - 1);
  };
  walk(SHARED_TRACES, 2);
  return out.sort();
}

describe.skipIf(!HAVE)('every shared capture with a dump: lockdep\'s reports found, none refuted, nothing invented', () => {
  const key = (kind: string, classes: string[]) => `${kind === 'irq-inversion' ? 'irq-safe-unsafe' : kind}: ${[...new Set(classes.map(stripSuffix))].sort().join(' | ')}`;
  it.each(capturesWithDump().map((d) => [relative(SHARED_TRACES, d)]))('%s', async (dir) => {
    const reports = parseDmesg(readFileSync(join(SHARED_TRACES, dir, 'dmesg.txt'), 'utf8'))
      .filter((k) => k.kind !== 'other' && k.kind !== 'suspicious-rcu').map((k) => key(k.kind, k.classes));
    const fs = await replayWith(dir, 'trace.txt.xz', true);
    const dead = fs.filter((f) => f.verdict === 'deadlock').map((f) => key(f.kind, f.classes));
    for (const rep of reports) expect(dead).toContain(rep);
    expect(dead.filter((d) => !reports.includes(d))).toEqual([]);
    expect(fs.filter((f) => REFUTED.test(f.reason ?? '') && reports.includes(key(f.kind, f.classes))).map((f) => key(f.kind, f.classes))).toEqual([]);
  }, 60_000);
});
