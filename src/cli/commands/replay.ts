/** `lockreplay replay <trace...>`: replay captures and report every lock-order problem. */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatProfile, type ProfileReport } from '../../pipeline/profile.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../pipeline/runReplay.ts';
import { emitReport, exitCodeOf, parseSize } from '../output.ts';
import { loadRules } from '../../analysis/rules.ts';
import { replayMaybeGraphs } from '../../graph/graphReplay.ts';
import { selectFindings } from '../../report/selection.ts';
import { addTriageOptions, filtersOf, type TriageOptions } from '../triageOptions.ts';

export function registerReplay(program: Command): void {
  const cmd = program
  .command('replay')
  .description('replay traces (ftrace text, trace-cmd report or trace.dat, perf script, perf JSON, graph files; detected by content; "-" reads stdin) and report lock-order problems')
  .argument('<trace...>', 'trace files, or - for stdin')
  .addOption(new Option('--format <fmt>', 'report format').choices(['text', 'json', 'html']).default('text'))
  .option('-o, --out <file>', 'write the report to a file')
  .option('--strict', 'exit 2 if any warning was raised')
  .option('--instance <name>', 'trace-cmd buffer instance to replay')
  .option('--kallsyms <file>', "the traced machine's /proc/kallsyms (may be compressed): names workqueue functions in perf.data, which stores none")
  .addOption(new Option('--wq-model <model>', 'workqueue classes: per instance (>= 5.1) or shared by name (older kernels)').choices(['dynamic', 'shared']).default('dynamic'))
  .option('--chunk-size <size>', 'bytes per decoded frame (e.g. 4M)', parseSize)
  .option('--rules <file>', 'rules file (JSON): suppressions, class rename/merge/split, pseudo-locks (docs/rules.md)')
  .option('--workers <n>', 'threads in all: the main thread replays, N-1 decode (1 = single-threaded; default: the number of cores)', parseWorkers, availableParallelism())
  .option('--profile', 'time each pipeline stage; print to stderr and add "profile" to the JSON report')
  .option('--no-progress', 'never show the progress line (it is shown only when stderr is a terminal and CI is unset)')
  .option('--one-capture', 'the trace inputs are consecutive pieces of one recording (e.g. a split trace_pipe log), replayed as one; by default each input is its own capture (boot)')
  .option('--save-graph <file>', 'also write the dependency graph (lockreplay/graph@2, docs/graph-schema.md); inputs may be graph files too')
  .option('--capture <name>', 'capture name recorded in the graph (default: the trace names; one capture only)')
  .option('--kernel <version>', 'kernel version recorded in the graph');
  addTriageOptions(cmd)
  .action(async (traces: string[], o: TriageOptions & { format: string; out?: string; strict?: boolean; instance?: string; kallsyms?: string; wqModel: 'dynamic' | 'shared'; chunkSize?: number; rules?: string; workers: number; profile?: boolean; progress: boolean; saveGraph?: string; capture?: string; kernel?: string; oneCapture?: boolean }) => {
    const result = await replayMaybeGraphs({
      ...DEFAULT_RUN_OPTIONS,
      inputs: traces,
      instance: o.instance,
      kallsyms: o.kallsyms,
      frameBytes: o.chunkSize ?? DEFAULT_RUN_OPTIONS.frameBytes,
      workers: o.workers,
      profile: !!o.profile,
      progress: o.progress,
      replay: { ...DEFAULT_RUN_OPTIONS.replay, wqModel: o.wqModel, ...(o.rules !== undefined ? { rules: loadRules(o.rules) } : {}) },
    }, o, runReplay);
    if (result.profile) process.stderr.write(formatProfile(result.profile as ProfileReport));
    emitReport(selectFindings(result, filtersOf(o)), o.format, o.out, { full: o.full });
    process.exitCode = exitCodeOf(result, !!o.strict);
  });

}

export function parseWorkers(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('expected a whole number from 1 to 256');
  return n;
}
