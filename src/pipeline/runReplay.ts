/**
 * The pipeline, single-threaded form: read -> frame -> decode -> intern ->
 * replay -> (graph, analysis) -> result. The parallel form (pipeline/parallel)
 * runs the same decode stage on workers and feeds batches back here in input
 * order, so every output is the same whatever the worker count.
 */
import { openInput } from '../io/openInput.ts';
import { GlobalStrings, LocalRemap } from '../model/globalStrings.ts';
import { InputError } from '../model/inputError.ts';
import { DECODERS, type DecodeContext } from '../decode/registry.ts';
import { Warnings } from '../decode/warnings.ts';
import { addStats, emptyStats, type DecodeStats } from '../decode/decoder.ts';
import { detectFormat, FORMATS_TRIED } from '../decode/detectFormat.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer, type ReplayOptions } from '../replay/replayer.ts';
import type { InputInfo } from '../analysis/evidenceOut.ts';
import { buildResult, type ReplayResult } from '../report/result.ts';
import { completeAnalysis } from '../analysis/completeAnalysis.ts';
import { decodeFtraceText } from '../decode/ftrace/decodeFtraceText.ts';
import { stacksInHead } from '../decode/stacksInHead.ts';
import { decodeFtraceFrames } from './parallelDecode.ts';
import { Profiler } from './profile.ts';
import { Progress } from './progress.ts';
import { TimeWindow, windowNotes, type TimeWindowOut } from './timeWindow.ts';

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
}

export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'inputs'> = {
  frameBytes: 4 << 20,
  maxLineBytes: 1 << 20,
  workers: 1,
  replay: DEFAULT_REPLAY_OPTIONS,
};

export interface InputSummary extends InputInfo {
  format: string;
  compression: string;
  instance?: string;
  bytes: number;
  /** First and last event timestamps (absent when the input had no event). */
  window?: TimeWindowOut;
  /** What a reader of the report must know about this input (e.g. time window). */
  notes?: string[];
}

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
      const summary = await replayInput(opts, index, strings, replayer, warnings, stats, prof, progress);
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
  if (prof && t) {
    prof.end('analysis+report', t);
    result.profile = prof.report(replayer.counters.chainLookups, replayer.counters.chainHits);
  }
  return { result, replayer, inputs };
}

async function replayInput(
  opts: RunOptions, index: number, strings: GlobalStrings, replayer: Replayer, warnings: Warnings, stats: DecodeStats,
  prof: Profiler | undefined, progress: Progress,
): Promise<InputSummary> {
  const input = await openInput(opts.inputs[index]);
  if (input.head.length === 0) throw new InputError(input.name, { byte: 0 }, 'empty input: no trace data');
  const detection = detectFormat(input.head);
  if (!detection) throw new InputError(input.name, { line: 1 }, `not a recognised trace (tried: ${FORMATS_TRIED})`);
  const decode = DECODERS[detection.format];
  if (!decode) throw new InputError(input.name, { byte: 0 }, `${detection.format} input is recognised but cannot be replayed yet`);
  const ctx: DecodeContext = {
    index, input, detection, frameBytes: opts.frameBytes, maxLineBytes: opts.maxLineBytes, instance: opts.instance,
    kallsyms: opts.kallsyms, workers: opts.workers, customEvents: replayer.pseudo?.customEvents, summary: { positions: 'line', bytes: 0, notes: [] },
  };
  // Text captures with stacks show one in their first bytes: stacks are paired from the first event on, whatever the chunking.
  // Binary ones (trace.dat, perf.data) pair from the first stack row's batch on: their frames do not depend on the chunk size.
  const text = detection.format !== 'trace-dat' && detection.format !== 'perf-data';
  replayer.beginInput(index, text, text && stacksInHead(input.head));
  // ftrace text goes through pipeline/parallelDecode (inline or on workers; it remaps strings itself).
  const ftrace = decode === decodeFtraceText;
  const frames = ftrace ? decodeFtraceFrames(ctx, strings, { profiler: prof, workerFile: opts.workerFile, recycleBatches: true }) : decode(ctx);
  const remap = ftrace ? undefined : new LocalRemap(strings);
  const window = new TimeWindow();
  for await (const d of frames) {
    let t = prof?.start();
    remap?.apply(d.batch);
    addStats(stats, d.stats);
    warnings.merge(d.warnings);
    if (prof && t) {
      prof.end('remap', t);
      t = prof.start();
    }
    replayer.replay(d.batch);
    window.add(d.batch);
    if (prof && t) {
      prof.end('replay', t);
      prof.events += d.batch.length;
    }
    progress.update(input.name, input.bytesRead(), input.sizeOnDisk, replayer.counters.events);
  }
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
  if (ctx.summary.notes.length) summary.notes = ctx.summary.notes;
  return summary;
}
