/**
 * A finding never depends on the path it took (issue 16 item 1): replay ->
 * graph file -> merge -> report gives the findings of replaying the traces,
 * every kind included (recursive-locking, inconsistent-irq-state and
 * irq-safe-unsafe need the usage evidence and recursions graph@2 carries).
 * A graph@1 file, which carries neither, says so in the report.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { judgeCaptures, replayCapture } from '../../src/graph/graphReplay.ts';
import { GRAPH_SCHEMA_V1, serializeGraph } from '../../src/graph/graphFile.ts';
import type { Finding } from '../../src/analysis/findings.ts';
import { InputError } from '../../src/model/inputError.ts';
import { ROOT, SHARED_TRACES, cli } from '../helpers/cli.ts';
import { MiniTrace, task } from '../helpers/miniTrace.ts';

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-kinds-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUNDLED = [
  ...readdirSync(join(ROOT, 'traces')).filter((f) => /\.(xz|dat|txt)$/.test(f)).map((f) => `traces/${f}`),
  ...readdirSync(join(ROOT, 'traces/examples')).filter((f) => f.endsWith('.txt') && !f.includes('lockdep')).map((f) => `traces/examples/${f}`),
];

/** Findings as JSON lines, without what only graph reports add (provenance) and the input index. */
function comparable(fs: Finding[]): string[] {
  return fs.map((f) => {
    const c: Finding = JSON.parse(JSON.stringify(f));
    for (const d of c.dependencies) delete d.captures;
    return JSON.stringify({ ...c, at: undefined });
  });
}

async function viaGraph(path: string): Promise<{ direct: Finding[]; fromGraph: Finding[]; warnings: string[] }> {
  const run = await replayCapture({ ...DEFAULT_RUN_OPTIONS, inputs: [path] }, {});
  const file = join(dir, `${path.replace(/\W/g, '_')}.graph.json`);
  writeFileSync(file, serializeGraph(run.graph));
  const merged = await judgeCaptures({ captures: [], graphs: [file] }, { ...DEFAULT_RUN_OPTIONS, inputs: [file] }, {});
  return { direct: run.result.findings, fromGraph: merged.result.findings, warnings: merged.result.warnings.map((w) => w.kind) };
}

describe('graph files carry every finding kind', () => {
  it('bundled captures: the graph file gives the replay\'s findings, every kind', async () => {
    const kinds = new Set<string>();
    for (const t of BUNDLED) {
      // Fixtures of inputs lockreplay refuses (e.g. a perf.data without tracepoints) are no captures.
      const got = await viaGraph(join(ROOT, t)).catch((e: unknown) => (e instanceof InputError ? undefined : Promise.reject(e)));
      if (!got) continue;
      const { direct, fromGraph } = got;
      expect(comparable(fromGraph), t).toEqual(comparable(direct));
      for (const f of direct) kinds.add(f.kind);
    }
    expect([...kinds].sort()).toEqual(['circular-dependency', 'inconsistent-irq-state', 'irq-safe-unsafe', 'recursive-locking']);
  });

  const FIVE = ['abba', 'wq_flush', 'reclaim', 'irq_inversion', 'pseudo_aa'].map((s) => join(SHARED_TRACES, s, 'trace.txt.xz'));
  it.skipIf(!FIVE.every(existsSync))('merge of the five real captures gives their five deadlocks, each of its kind', () => {
    const p = cli('merge', ...FIVE, '-o', join(dir, 'five.json'), '--format', 'json');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(1);
    const deadlocks = JSON.parse(p.stdout).findings.filter((f: Finding) => f.verdict === 'deadlock').map((f: Finding) => `${f.kind} ${f.classes.join(',')}`).sort();
    expect(deadlocks).toEqual([
      'circular-dependency (work_completion)(&lr_work),lr_wq_mutex,(wq_completion)lr_wq',
      'circular-dependency fs_reclaim,lr_reclaim_mutex',
      'circular-dependency lr_mutex_a,lr_mutex_b',
      'inconsistent-irq-state lr_irq_lock',
      'recursive-locking lr_inode_dio',
    ]);
    // And the merged file judged again gives the same.
    const again = cli('replay', join(dir, 'five.json'), '--format', 'json');
    expect(JSON.parse(again.stdout).findings.filter((f: Finding) => f.verdict === 'deadlock').map((f: Finding) => `${f.kind} ${f.classes.join(',')}`).sort()).toEqual(deadlocks);
  });

  it('a graph@1 file cannot support three kinds, and the report says so', async () => {
    const run = await replayCapture({ ...DEFAULT_RUN_OPTIONS, inputs: [join(ROOT, 'traces/irq_inversion.trace.txt.xz')] }, { name: 'irq' });
    expect(run.result.findings.map((f) => f.kind)).toEqual(['inconsistent-irq-state']);
    // What graph@1 wrote: no usage evidence, no recursions, no event ordinals.
    const v1 = JSON.parse(serializeGraph(run.graph));
    v1.schema = GRAPH_SCHEMA_V1;
    delete v1.recursions;
    for (const c of v1.classes) delete c.usageFirst;
    const file = join(dir, 'irq.v1.json');
    writeFileSync(file, JSON.stringify(v1));
    const p = cli('replay', file, '--format', 'json');
    expect(p.status).toBe(0);
    const report = JSON.parse(p.stdout);
    expect(report.findings).toEqual([]);
    const w = report.warnings.find((x: { kind: string }) => x.kind === 'graph-cannot-report');
    expect(w.first).toEqual([{ input: 'irq', detail: 'cannot report inconsistent-irq-state, irq-safe-unsafe, recursive-locking' }]);
    expect(cli('replay', file).stdout).toMatch(/graph-cannot-report.*\n.*irq: cannot report inconsistent-irq-state/);
    // Merged into a graph@2 file, the capture keeps saying it.
    expect(cli('merge', file, '-o', join(dir, 'irq.v2.json')).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'irq.v2.json'), 'utf8')).captures[0].cannotReport)
      .toEqual(['inconsistent-irq-state', 'irq-safe-unsafe', 'recursive-locking']);
  });

  it('proofs and refutations after lost events survive a graph file (issue 18 fields)', async () => {
    // A held across a loss, A -> B, then A released with no loss in between: A -> B proven (replay/pendingProofs).
    const t1 = task('t1', 10, 1), t2 = task('t2', 11, 2);
    const t = new MiniTrace().acq(t1, 'A').raw('CPU:1 [LOST 12 EVENTS]').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    writeFileSync(join(dir, 'proven.txt'), t.text());
    const proven = await viaGraph(join(dir, 'proven.txt'));
    expect(comparable(proven.fromGraph)).toEqual(comparable(proven.direct));
    expect(proven.fromGraph.map((f) => f.verdict)).toEqual(['deadlock']);
    expect(proven.fromGraph[0].dependencies.find((d) => d.from === 'A')!.first.proven).toMatch(/^A \(acquired at line \d+\) was released by this context at line \d+/);
    // A stale held entry dropped (refuted): its cycle and its recursion are benign, from the graph too.
    const refuted = await viaGraph(join(ROOT, 'traces/perf-script-lost.txt'));
    expect(refuted.fromGraph.map((f) => `${f.kind} ${f.verdict} ${f.reason?.split(':')[0]}`).sort())
      .toEqual(['circular-dependency benign refuted', 'recursive-locking benign refuted']);
    expect(comparable(refuted.fromGraph)).toEqual(comparable(refuted.direct));
  });

  it('irq usage from two captures: inconsistent across boots is still found, with each capture\'s evidence', async () => {
    const irq = task('irq', 0, 0, 'd.h1.'), t = task('t', 10, 1);
    const a = new MiniTrace().acq(irq, 'L').rel(irq, 'L');
    const b = new MiniTrace().acq(t, 'L').rel(t, 'L');
    writeFileSync(join(dir, 'ua.txt'), a.text());
    writeFileSync(join(dir, 'ub.txt'), b.text());
    const p = cli('replay', join(dir, 'ua.txt'), join(dir, 'ub.txt'), '--format', 'json');
    const f = JSON.parse(p.stdout).findings;
    expect(f.map((x: Finding) => `${x.kind} ${x.verdict}`)).toEqual(['inconsistent-irq-state deadlock']);
    expect(f[0].evidence.map((e: { at: { input: string } }) => e.at.input)).toEqual([join(dir, 'ua.txt'), join(dir, 'ub.txt')]);
  });
});
