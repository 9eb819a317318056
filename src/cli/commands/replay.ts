/** `lockreplay replay <trace...>`: replay captures and report every lock-order problem. */
import { Command, Option } from 'commander';
import { formatProfile, type ProfileReport } from '../../pipeline/profile.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../pipeline/runReplay.ts';
import { emitReport, exitCodeOf } from '../output.ts';
import { FAIL_ON_VALUES, parseFailOn, parseSize, parseWorkers, defaultWorkers, type FailOn } from '../optionValues.ts';
import { checkOutputPath } from '../outputPaths.ts';
import { liveStream, streamEnd, type StreamFormat } from '../liveStream.ts';
import { stopOnSignals } from '../interrupt.ts';
import { loadRules } from '../../analysis/rules.ts';
import { replayMaybeGraphs } from '../../graph/graphReplay.ts';
import { selectFindings } from '../../report/selection.ts';
import { loadKernelGraph } from '../../decode/lockdep/kernelGraph.ts';
import { InputError } from '../../model/inputError.ts';
import { addTriageOptions, filtersOf, type TriageOptions } from '../triageOptions.ts';

interface ReplayCliOptions {
  format: string; out?: string; strict?: boolean; failOn?: FailOn; instance?: string; kallsyms?: string; wqModel: 'dynamic' | 'shared'; chunkSize?: number;
  rules?: string; workers: number; profile?: boolean; progress: boolean; saveGraph?: string; capture?: string; kernel?: string;
  stream?: StreamFormat; oneCapture?: boolean; lockdep?: string; lockdepStats?: string;
}

export function registerReplay(program: Command): void {
  const cmd = program
  .command('replay')
  .description('replay traces (ftrace text, trace-cmd report or trace.dat, perf script, perf JSON, graph files; detected by content; "-" reads stdin) and report lock-order problems')
  .argument('<trace...>', 'trace files, or - for stdin')
  .addOption(new Option('--format <fmt>', 'report format').choices(['text', 'json', 'html']).default('text'))
  .option('-o, --out <file>', 'write the report to a file')
  .option('--strict', 'exit 2 if the input raised a warning (damage: unparsed lines, lost events, ...; not the observations of normal kernel behaviour), listing them on stderr')
  .option('--fail-on <verdicts>', `the findings that make the run exit 1, comma-separated: ${FAIL_ON_VALUES.join(', ')} (default: deadlock)`, parseFailOn)
  .option('--instance <name>', 'trace-cmd buffer instance to replay')
  .option('--kallsyms <file>', "the traced machine's /proc/kallsyms (may be compressed): names workqueue functions in perf.data, which stores none")
  .addOption(new Option('--wq-model <model>', 'workqueue classes: per instance (>= 5.1) or shared by name (older kernels)').choices(['dynamic', 'shared']).default('dynamic'))
  .option('--chunk-size <size>', 'bytes per decoded frame (e.g. 4M)', parseSize)
  .option('--rules <file>', 'rules file (JSON): suppressions, class rename/merge/split, pseudo-locks (docs/rules.md)')
  .option('--workers <n>', 'threads in all: the main thread replays, N-1 decode (1 = single-threaded; default: 1 on up to 2 cores, where it is measured fastest, else the number of cores)', parseWorkers, defaultWorkers())
  .option('--profile', 'time each pipeline stage; print to stderr and add "profile" to the JSON report')
  .option('--no-progress', 'never show the progress line (it is shown only when stderr is a terminal and CI is unset)')
  .option('--one-capture', 'the trace inputs are consecutive pieces of one recording (e.g. a split trace_pipe log), replayed as one; by default each input is its own capture (boot)')
  .option('--lockdep <file>', "the traced boot's /proc/lockdep: a cycle resting on an uncertain dependency lockdep never recorded (both classes listed, no path) is refuted (benign); one trace capture only (docs/rules.md)")
  .option('--lockdep-stats <file>', "the same boot's /proc/lockdep_stats: debug_locks 1 means lockdep was on for the whole capture (without it, only what precedes the capture's first reportable problem is checked)")
  .option('--save-graph <file>', 'also write the dependency graph (lockreplay/graph@2, docs/graph-schema.md); inputs may be graph files too')
  .option('--capture <name>', 'capture name recorded in the graph (default: the trace names; one capture only)')
  .option('--kernel <version>', 'kernel version recorded in the graph')
  .addOption(new Option('--stream <how>', 'print each finding the moment it is found (text: its splat; jsonl: one JSON object per line), then what the end changed and the final report; for live input (- reading trace_pipe)').choices(['text', 'jsonl']));
  addTriageOptions(cmd)
  .action(async (traces: string[], o: TriageOptions & ReplayCliOptions) => {
    checkOutputPath('-o', o.out);
    checkOutputPath('--save-graph', o.saveGraph);
    const rules = o.rules !== undefined ? loadRules(o.rules) : undefined;
    if (o.lockdepStats !== undefined && o.lockdep === undefined) throw new InputError('--lockdep-stats', undefined, 'needs --lockdep (the /proc/lockdep of the same boot)');
    const kernelGraph = o.lockdep !== undefined ? await loadKernelGraph(o.lockdep, o.lockdepStats) : undefined;
    const live = o.stream ? liveStream(o.stream, rules) : undefined;
    const stop = stopOnSignals();
    const result = await replayMaybeGraphs({
      ...DEFAULT_RUN_OPTIONS,
      inputs: traces,
      instance: o.instance,
      kallsyms: o.kallsyms,
      frameBytes: o.chunkSize ?? DEFAULT_RUN_OPTIONS.frameBytes,
      workers: o.workers,
      profile: !!o.profile,
      progress: o.progress && !live,
      replay: { ...DEFAULT_RUN_OPTIONS.replay, wqModel: o.wqModel, ...(rules ? { rules } : {}), ...(kernelGraph ? { kernelGraph } : {}) },
      stop: stop.signal,
      ...(live ? { live: { onReplayed: (r, inputs) => live.check(r, inputs) } } : {}),
    }, o, runReplay);
    stop.dispose();
    if (result.profile) process.stderr.write(formatProfile(result.profile as ProfileReport));
    if (live && o.stream) streamEnd(o.stream, live, result);
    // jsonl ends with the report as its last line; another copy goes only where -o says
    if (o.stream !== 'jsonl' || o.out) emitReport(selectFindings(result, filtersOf(o)), o.format, o.out, { full: o.full });
    process.exitCode = exitCodeOf(result, !!o.strict, o.failOn);
  });
}
