/**
 * `lockreplay compare-lockdep <trace...> --lockdep FILE`: replays the traces
 * and compares the dependencies found with the kernel's own graph
 * (/proc/lockdep of the same boot), to show what the replay missed or added.
 * The comparison reads the Replayer's dependency graph (replayTraces()), which the report does not carry.
 */
import { Command, Option } from 'commander';
import { DEFAULT_RUN_OPTIONS, replayTraces } from '../../pipeline/runReplay.ts';
import { readProcLockdep } from '../../decode/lockdep/procLockdep.ts';
import { readLockdepStats } from '../../decode/lockdep/lockdepStats.ts';
import type { Finding } from '../../analysis/findings.ts';
import { explainComparison, type DependencyPair, type ExplainedComparison, type KernelReason, type ReplaySide, type ReplayedReason } from '../../decode/lockdep/lockdepComparison.ts';
import { EXIT_OK } from '../exitCodes.ts';

/** Replays the inputs in order and returns every dependency as lockdep would name its classes. */
export async function replayDependencies(paths: string[], instance?: string): Promise<DependencyPair[]> {
  return (await replaySide(paths, instance)).dependencies.map(({ from, to }) => ({ from, to }));
}

/** The replay's side of a comparison: dependencies (uncertain ones marked), classes, whether the window is partial. */
export async function replaySide(paths: string[], instance?: string): Promise<ReplaySide> {
  const { replayer, result } = await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: paths, instance });
  const g = replayer.graph, cls = replayer.classes;
  const dependencies: DependencyPair[] = [];
  for (let e = 0; e < g.size; e++) {
    const p: DependencyPair = { from: cls.displayName(g.from[e]), to: cls.displayName(g.to[e]) };
    if (g.cleanCount[e] === 0 || g.isRefuted(e)) p.uncertain = true;
    // lockdep's distance at the first record: how far below the top the held `from` was.
    const ev = g.firstClean[e] ?? g.first[e];
    const at = ev.held.lastIndexOf(g.from[e]);
    if (at >= 0) p.distance = ev.held.length - at;
    p.firstNs = g.first[e].tsNs;
    dependencies.push(p);
  }
  const classes: string[] = [];
  for (let c = 0; c < cls.count; c++) classes.push(cls.displayName(c));
  // Locks released that the capture never saw taken, lost events, a buffer start: the kernel's graph holds more.
  const k = replayer.counters;
  const side: ReplaySide = { dependencies, classes, partialWindow: replayer.bufferStarts > 0 || k.lostMarkers > 0 || k.unheldReleases > 0 };
  const report = firstReportNs(result.findings);
  if (report !== undefined) side.firstReportNs = report;
  return side;
}

/** "12.345678" or "12.345678901" (evidenceOut's formatTs()) in ns. */
function tsNs(ts: string): number {
  const [sec, frac = ''] = ts.split('.');
  return Number(sec) * 1e9 + Number(frac.padEnd(9, '0'));
}

/**
 * When the earliest `deadlock` finding became reportable: the latest of the certain observations it
 * needs (each dependency's first clean one, each piece of evidence). Lockdep reports at that moment and
 * calls debug_locks_off(). undefined: no deadlock found.
 */
function firstReportNs(findings: Finding[]): number | undefined {
  let first: number | undefined;
  for (const f of findings) {
    if (f.verdict !== 'deadlock') continue;
    let at = -Infinity;
    for (const d of f.dependencies) at = Math.max(at, tsNs((d.firstClean ?? d.first).ts));
    for (const ev of f.evidence ?? []) at = Math.max(at, tsNs(ev.at.ts));
    if (at > -Infinity && (first === undefined || at < first)) first = at;
  }
  return first;
}

const REPLAYED_TEXT: Record<ReplayedReason, string> = {
  path: 'present as a path: recorded past a lock held between the two, where check_prevs_add() stops (it connects the lower lock only through the locks between)',
  distance: 'recorded at distance > 1 (a trylock or check=0 lock between): /proc/lockdep prints distance-1 edges only, the class\'s FD counts it',
  subclass: 'present once subclasses are dropped (the trace shows no subclass; the replay\'s /N is a guess)',
  unvalidated: 'a class the kernel lists with no dependency and no usage: never chained there (check=0 on that kernel, e.g. 6.1 SRCU)',
  'class-not-listed': 'a class the kernel no longer lists (freed before the dump: module unloaded, workqueue destroyed)',
  'after-report': 'first recorded after lockdep\'s first report (debug_locks 0 in /proc/lockdep_stats: lockdep records nothing once it turned itself off)',
  name: 'a class the kernel prints under another name (its key\'s symbol)',
  uncertain: 'recorded only with uncertain held state (lost events, buffer start) or refuted',
  unexplained: 'unexplained',
};
const KERNEL_TEXT: Record<KernelReason, string> = {
  'replay-path': 'present in the replay as a path',
  'class-not-seen': 'outside the capture\'s window: a class the capture never acquires',
  'not-nested': 'outside the capture\'s window: both classes taken in it, never one under the other',
  unexplained: 'unexplained',
};

export function renderComparisonText(c: ExplainedComparison, traces: string[], lockdep: string): string {
  const l: string[] = [];
  l.push('lockreplay compare-lockdep');
  l.push(`  traces: ${traces.join(', ')}`);
  l.push(`  kernel graph: ${lockdep}`);
  l.push(`  replayed dependencies: ${c.replayed}, kernel dependencies: ${c.kernel}, in both: ${c.common}`);
  l.push(`  replayed dependencies over classes the kernel names: ${c.replayedOverNamedClasses}, of which in the kernel's graph: ${c.commonOverNamedClasses} (${c.percentInKernelOverNamedClasses.toFixed(2)}%)`);
  l.push(`  all replayed dependencies in the kernel's graph: ${c.percentInKernel.toFixed(2)}%`);
  l.push('  (class names compared without lockdep\'s #N; /N subclasses kept)');
  l.push(`  replayed dependencies present or explained: ${c.percentExplained.toFixed(2)}%; kernel dependencies replayed or explained: ${c.percentKernelExplained.toFixed(2)}%`);
  l.push('');
  l.push(`only in the trace (${c.onlyInTrace.length}), by reason:`);
  for (const why of Object.keys(REPLAYED_TEXT) as ReplayedReason[]) {
    const ps = c.replayedReasons[why];
    if (!ps.length) continue;
    l.push(`  ${REPLAYED_TEXT[why]} (${ps.length}):`);
    for (const p of ps) l.push(`    ${p.from} -> ${p.to}`);
  }
  l.push('');
  l.push(`only in the kernel (${c.onlyInKernel.length}), by reason:`);
  for (const why of Object.keys(KERNEL_TEXT) as KernelReason[]) {
    const ps = c.kernelReasons[why];
    if (!ps.length) continue;
    l.push(`  ${KERNEL_TEXT[why]} (${ps.length}):`);
    for (const p of ps) l.push(`    ${p.from} -> ${p.to}`);
  }
  return l.join('\n') + '\n';
}

export function registerCompareLockdep(program: Command): void {
  program
    .command('compare-lockdep')
    .description("replay traces and compare their lock dependencies with the kernel's /proc/lockdep")
    .argument('<trace...>', 'trace files, or - for stdin')
    .requiredOption('--lockdep <file>', '/proc/lockdep of the same boot')
    .option('--lockdep-stats <file>', '/proc/lockdep_stats of the same boot: debug_locks 0 explains what was first recorded after lockdep\'s report')
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .option('--instance <name>', 'trace-cmd buffer instance to replay')
    .action(async (traces: string[], o: { lockdep: string; lockdepStats?: string; format: string; instance?: string }) => {
      const kernel = await readProcLockdep(o.lockdep);
      const stats = o.lockdepStats ? await readLockdepStats(o.lockdepStats) : undefined;
      const c = explainComparison(await replaySide(traces, o.instance), kernel, stats);
      const text = o.format === 'json'
        ? JSON.stringify({ schema: 'lockreplay/compare-lockdep@1', traces, lockdep: o.lockdep, ...c }, null, 2) + '\n'
        : renderComparisonText(c, traces, o.lockdep);
      process.stdout.write(text);
      process.exitCode = EXIT_OK;
    });
}
