/**
 * The pipeline, single-threaded form: read -> frame -> decode -> intern ->
 * replay -> (graph, analysis) -> result. The parallel form (pipeline/parallel)
 * runs the same decode stage on workers and feeds batches back here in input
 * order, so every output is the same whatever the worker count.
 */
import { openInput, type OpenedInput } from '../io/openInput.ts';
import { GlobalStrings, LocalRemap } from '../model/globalStrings.ts';
import { InputError } from '../model/inputError.ts';
import { DECODERS } from '../decode/registry.ts';
import type { DecodeContext } from '../decode/decodeContext.ts';
import { FIRST_LOCATIONS, WARNING_TEXT, Warnings } from '../decode/warnings.ts';
import { addStats, emptyStats, type DecodeStats } from '../decode/decoder.ts';
import { detectFormat, isSystraceHtml, type Detection } from '../decode/detectFormat.ts';
import { embeddedTrace } from '../io/embeddedTrace.ts';
import { unrecognisedMessage } from '../decode/unrecognisedInput.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer, type ReplayOptions } from '../replay/replayer.ts';
import type { InputInfo } from '../analysis/evidenceOut.ts';
import { buildResult, type ReplayResult } from '../report/result.ts';
import type { InputSummary } from '../report/inputSummary.ts';
import { completeAnalysis } from '../analysis/completeAnalysis.ts';
import { decodeFtraceText } from '../decode/ftrace/decodeFtraceText.ts';
import { stacksInHead } from '../decode/stacksInHead.ts';
import { decodeFtraceFrames } from './parallelDecode.ts';
import { Profiler } from './profile.ts';
import { Progress } from './progress.ts';
import { TimeWindow, windowNotes } from './timeWindow.ts';
import { checkInstanceApplies, checkInstanceFound } from './instanceOption.ts';
import { ContinuationLines } from '../decode/continuationLines.ts';

export interface RunOptions {
  inputs: string[];
  /** Bytes per frame handed to a decoder. */
  frameBytes: number;
  maxLineBytes: number;
  /** trace-cmd buffer instance to keep. */
  instance?: string;
  /** The traced machine's /proc/kallsyms (--kallsyms; may be compressed): names function pointers where the capture stores none (perf.data). */
  kallsyms?: string;
  /** Decode workers (1 = everything on the main thread). */
  workers: number;
  replay: ReplayOptions;
  /** Time the stages and attach the figures as `profile` (--profile). */
  profile?: boolean;
  /** Progress line on stderr (shown only on a terminal, never under CI). */
  progress?: boolean;
  /** Decode worker entry point override (tests). */
  workerFile?: string;
  /** Live use (--stream, trace_pipe): see LiveOptions. */
  live?: LiveOptions;
  /** Aborted (SIGINT/SIGTERM): reading stops after the current batch; the report covers what was replayed. */
  stop?: AbortSignal;
}

/**
 * Live use: input is decoded as it arrives (each chunk read, not each full frame; the head is taken from
 * the first complete lines) on the main thread, and `onReplayed` runs after each replayed batch.
 */
export interface LiveOptions {
  onReplayed: (replayer: Replayer, inputs: InputInfo[]) => void;
}

export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'inputs'> = {
  frameBytes: 4 << 20,
  maxLineBytes: 1 << 20,
  workers: 1,
  replay: DEFAULT_REPLAY_OPTIONS,
};


/** A finished replay: the report, and the replay state behind it for commands that need more (graphs, comparisons). */
export interface ReplayRun {
  result: ReplayResult;
  replayer: Replayer;
  inputs: InputSummary[];
}

/** Runs the whole replay over the inputs, in order, and builds the result. */
export async function runReplay(opts: RunOptions): Promise<ReplayResult> {
  return (await replayTraces(opts)).result;
}

/** runReplay(), also handing out the Replayer and the input summaries. */
export async function replayTraces(opts: RunOptions): Promise<ReplayRun> {
  const strings = new GlobalStrings();
  const replayer = new Replayer(strings, opts.replay);
  const warnings = new Warnings();
  const stats: DecodeStats = emptyStats();
  const inputs: InputSummary[] = [];
  const prof = opts.profile ? new Profiler(opts.workers) : undefined;
  const progress = opts.progress ? Progress.forStderr() : new Progress(false);
  try {
    for (let index = 0; index < opts.inputs.length; index++) {
      if (opts.stop?.aborted && index > 0) {
        (inputs[inputs.length - 1].notes ??= []).push(`stopped (${String(opts.stop.reason)}): ${opts.inputs.length - index} later input(s) not read`);
        break;
      }
      const summary = await replayInput(opts, index, { strings, replayer, warnings, stats, prof, progress }, inputs);
      inputs.push(summary);
    }
  } finally {
    progress.done();
  }
  for (const [k, note] of windowNotes(inputs)) (inputs[k].notes ??= []).push(note);
  const t = prof?.start();
  replayer.finish();
  warnings.merge(replayer.warnings.serialize());
  const result = completeAnalysis(buildResult(replayer, inputs, stats, warnings), replayer, opts.replay.rules);
  const lockless = inputs.filter((inp) => inp.lockEvents === 0);
  if (lockless.length) {
    result.warnings.push({
      kind: 'no-lock-events', count: lockless.length, text: WARNING_TEXT['no-lock-events'],
      first: lockless.slice(0, FIRST_LOCATIONS).map((inp) => ({ input: inp.name, detail: 'no lock_acquire/lock_release events' })),
    });
  }
  for (const inp of inputs) delete inp.lockEvents;
  if (prof && t) {
    prof.end('analysis+report', t);
    result.profile = prof.report(replayer.counters.chainLookups, replayer.counters.chainHits);
  }
  return { result, replayer, inputs };
}

/** What a replayInput() call shares with the rest of the run. */
interface RunState {
  strings: GlobalStrings;
  replayer: Replayer;
  warnings: Warnings;
  stats: DecodeStats;
  prof: Profiler | undefined;
  progress: Progress;
}

/** Opens input `index`, detects its format (reading the trace inside a systrace page) and checks --instance. */
async function openDetected(opts: RunOptions, index: number): Promise<{ input: OpenedInput; detection: Detection; embedded: boolean }> {
  let input = await openInput(opts.inputs[index], undefined, { live: !!opts.live });
  if (input.head.length === 0) throw new InputError(input.name, { byte: 0 }, 'empty input: no trace data');
  const embedded = isSystraceHtml(input.head);
  if (embedded) input = await embeddedTrace(input);
  const detection = detectFormat(input.head);
  if (!detection) throw new InputError(input.name, undefined, unrecognisedMessage(input.head));
  if (!DECODERS[detection.format]) throw new InputError(input.name, { byte: 0 }, `${detection.format} input is recognised but cannot be replayed yet`);
  checkInstanceApplies(input.name, detection, opts.instance);
  return { input, detection, embedded };
}

async function replayInput(opts: RunOptions, index: number, st: RunState, before: InputSummary[]): Promise<InputSummary> {
  const { input, detection, embedded } = await openDetected(opts, index);
  const { replayer, prof } = st;
  const eventsBefore = replayer.counters.events;
  const ctx: DecodeContext = {
    index, input, detection, frameBytes: opts.frameBytes, maxLineBytes: opts.maxLineBytes, instance: opts.instance,
    kallsyms: opts.kallsyms, workers: opts.live ? 1 : opts.workers, customEvents: replayer.pseudo?.customEvents, summary: { positions: 'line', bytes: 0, notes: [] },
    live: !!opts.live,
  };
  // Text captures with stacks show one in their first bytes: stacks are paired from the first event on, whatever the chunking.
  // Binary ones (trace.dat, perf.data) pair from the first stack row's batch on: their frames do not depend on the chunk size.
  const text = detection.format !== 'trace-dat' && detection.format !== 'perf-data';
  replayer.beginInput(index, text, text && stacksInHead(input.head), detection.format === 'trace-cmd-report');
  const window = new TimeWindow();
  const c = replayer.counters;
  const lockBefore = c.acquires + c.releases + c.contended + c.acquired;
  try {
    await replayFrames(opts, ctx, st, window, before);
  } catch (e) {
    // a signal closed stdin under a pending read: what was replayed stands
    if (!opts.stop?.aborted) throw e;
  }
  if (opts.stop?.aborted) ctx.summary.notes.push(`stopped (${String(opts.stop.reason)}): the report covers the input up to here`);
  checkInstanceFound(input.name, detection, opts.instance, replayer.counters.events - eventsBefore);
  if (prof) {
    prof.bytesRead += input.bytesRead();
    prof.bytesDecompressed += ctx.summary.bytes;
  }
  const summary: InputSummary = {
    name: input.name, positions: ctx.summary.positions, format: detection.format, compression: input.compression, bytes: ctx.summary.bytes,
  };
  if (ctx.summary.instance !== undefined) summary.instance = ctx.summary.instance;
  const w = window.out();
  if (w) summary.window = w;
  if (embedded) ctx.summary.notes.unshift('the trace inside a systrace HTML page (<script class="trace-data">); line numbers count from its first line');
  if (ctx.summary.notes.length) summary.notes = ctx.summary.notes;
  summary.lockEvents = c.acquires + c.releases + c.contended + c.acquired - lockBefore;
  if (summary.lockEvents === 0) {
    (summary.notes ??= []).push('no lock events: lockdep was off or the lock events were not traced (see the no-lock-events warning for what to enable)');
  }
  return summary;
}

/** Decodes the input's frames and replays them in order, until its end or a stop. */
async function replayFrames(opts: RunOptions, ctx: DecodeContext, st: RunState, window: TimeWindow, before: InputSummary[]): Promise<void> {
  const { strings, replayer, warnings, stats, prof, progress } = st;
  const decode = DECODERS[ctx.detection.format]!;
  // ftrace text goes through pipeline/parallelDecode (inline or on workers; it remaps strings itself).
  const ftrace = decode === decodeFtraceText;
  const frames = ftrace ? decodeFtraceFrames(ctx, strings, { profiler: prof, workerFile: opts.workerFile, recycleBatches: true }) : decode(ctx);
  const remap = ftrace ? undefined : new LocalRemap(strings);
  const continuations = new ContinuationLines();
  // what the live hook names evidence by: the inputs so far and this one
  const liveInputs: InputInfo[] = [...before, { name: ctx.input.name, positions: ctx.summary.positions }];
  for await (const d of frames) {
    let t = prof?.start();
    remap?.apply(d.batch);
    continuations.settle(d);
    addStats(stats, d.stats);
    warnings.merge(d.warnings);
    if (prof && t) {
      prof.end('remap', t);
      t = prof.start();
    }
    replayer.replay(d.batch);
    window.add(d.batch);
    window.addRange(d.stats.otherFirstNs, d.stats.otherLastNs);
    if (prof && t) {
      prof.end('replay', t);
      prof.events += d.batch.length;
    }
    if (opts.live) {
      liveInputs[ctx.index].positions = ctx.summary.positions;
      opts.live.onReplayed(replayer, liveInputs);
    }
    progress.update(ctx.input.name, ctx.input.bytesRead(), ctx.input.sizeOnDisk, replayer.counters.events);
    if (opts.stop?.aborted) break;
  }
}
