/**
 * `lockreplay compare-lockdep <trace...> --lockdep FILE`: replays the traces
 * and compares the dependencies found with the kernel's own graph
 * (/proc/lockdep of the same boot), to show what the replay missed or added.
 * The replay is driven here (not through runReplay) because the comparison
 * needs the Replayer's dependency graph, which the report does not carry.
 */
import { Command, Option } from 'commander';
import { openInput } from '../../io/openInput.ts';
import { GlobalStrings, LocalRemap } from '../../model/globalStrings.ts';
import { InputError } from '../../model/inputError.ts';
import { DECODERS, type DecodeContext } from '../../decode/registry.ts';
import { detectFormat, FORMATS_TRIED } from '../../decode/detectFormat.ts';
import { DEFAULT_RUN_OPTIONS } from '../../pipeline/runReplay.ts';
import { Replayer } from '../../replay/replayer.ts';
import { readProcLockdep } from '../../decode/lockdep/procLockdep.ts';
import { compareWithLockdep, type DependencyPair, type LockdepComparison } from '../../decode/lockdep/lockdepComparison.ts';
import { EXIT_OK } from '../exitCodes.ts';

/** Replays the inputs in order and returns every dependency as lockdep would name its classes. */
export async function replayDependencies(paths: string[], instance?: string): Promise<DependencyPair[]> {
  const strings = new GlobalStrings();
  const replayer = new Replayer(strings, DEFAULT_RUN_OPTIONS.replay);
  for (let index = 0; index < paths.length; index++) {
    const input = await openInput(paths[index]);
    if (input.head.length === 0) throw new InputError(input.name, { byte: 0 }, 'empty input: no trace data');
    const detection = detectFormat(input.head);
    if (!detection) throw new InputError(input.name, { line: 1 }, `not a recognised trace (tried: ${FORMATS_TRIED})`);
    const decode = DECODERS[detection.format];
    if (!decode) throw new InputError(input.name, { byte: 0 }, `${detection.format} input is recognised but cannot be replayed`);
    const ctx: DecodeContext = {
      index, input, detection, frameBytes: DEFAULT_RUN_OPTIONS.frameBytes, maxLineBytes: DEFAULT_RUN_OPTIONS.maxLineBytes,
      instance, workers: 1, summary: { positions: 'line', bytes: 0, notes: [] },
    };
    const remap = new LocalRemap(strings);
    for await (const d of decode(ctx)) {
      remap.apply(d.batch);
      replayer.replay(d.batch);
    }
  }
  replayer.finish();
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
