/**
 * `lockreplay compare-lockdep <trace...> --lockdep FILE`: replays the traces
 * and compares the dependencies found with the kernel's own graph
 * (/proc/lockdep of the same boot), to show what the replay missed or added.
 * The comparison reads the Replayer's dependency graph (replayTraces()), which the report does not carry.
 */
import { Command, Option } from 'commander';
import { DEFAULT_RUN_OPTIONS, replayTraces } from '../../pipeline/runReplay.ts';
import { readProcLockdep } from '../../decode/lockdep/procLockdep.ts';
import { compareWithLockdep, type DependencyPair, type LockdepComparison } from '../../decode/lockdep/lockdepComparison.ts';
import { EXIT_OK } from '../exitCodes.ts';

/** Replays the inputs in order and returns every dependency as lockdep would name its classes. */
export async function replayDependencies(paths: string[], instance?: string): Promise<DependencyPair[]> {
  const { replayer } = await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: paths, instance });
  const g = replayer.graph, cls = replayer.classes;
  const out: DependencyPair[] = [];
  for (let e = 0; e < g.size; e++) out.push({ from: cls.displayName(g.from[e]), to: cls.displayName(g.to[e]) });
  return out;
}

export function renderComparisonText(c: LockdepComparison, traces: string[], lockdep: string): string {
  const l: string[] = [];
  l.push('lockreplay compare-lockdep');
  l.push(`  traces: ${traces.join(', ')}`);
  l.push(`  kernel graph: ${lockdep}`);
  l.push(`  replayed dependencies: ${c.replayed}, kernel dependencies: ${c.kernel}, in both: ${c.common}`);
  l.push(`  replayed dependencies over classes the kernel names: ${c.replayedOverNamedClasses}, of which in the kernel's graph: ${c.commonOverNamedClasses} (${c.percentInKernelOverNamedClasses.toFixed(2)}%)`);
  l.push(`  all replayed dependencies in the kernel's graph: ${c.percentInKernel.toFixed(2)}%`);
  l.push('  (class names compared without lockdep\'s #N; /N subclasses kept)');
  l.push('');
  l.push(`only in the trace (${c.onlyInTrace.length}):`);
  for (const p of c.onlyInTrace) l.push(`  ${p.from} -> ${p.to}`);
  l.push('');
  l.push(`only in the kernel (${c.onlyInKernel.length}):`);
  for (const p of c.onlyInKernel) l.push(`  ${p.from} -> ${p.to}`);
  return l.join('\n') + '\n';
}

export function registerCompareLockdep(program: Command): void {
  program
    .command('compare-lockdep')
    .description("replay traces and compare their lock dependencies with the kernel's /proc/lockdep")
    .argument('<trace...>', 'trace files, or - for stdin')
    .requiredOption('--lockdep <file>', '/proc/lockdep of the same boot')
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .option('--instance <name>', 'trace-cmd buffer instance to replay')
    .action(async (traces: string[], o: { lockdep: string; format: string; instance?: string }) => {
      const kernel = await readProcLockdep(o.lockdep);
      const replayed = await replayDependencies(traces, o.instance);
      const c = compareWithLockdep(replayed, kernel);
      const text = o.format === 'json'
        ? JSON.stringify({ schema: 'lockreplay/compare-lockdep@1', traces, lockdep: o.lockdep, ...c }, null, 2) + '\n'
        : renderComparisonText(c, traces, o.lockdep);
      process.stdout.write(text);
      process.exitCode = EXIT_OK;
    });
}
