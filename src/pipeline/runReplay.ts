/**
 * The pipeline, single-threaded form: read -> frame -> decode -> intern ->
 * replay -> (graph, analysis) -> result. The parallel form (pipeline/parallel)
 * runs the same decode stage on workers and feeds batches back here in input
 * order, so every output is the same whatever the worker count.
 */
import { openInput } from '../io/openInput.ts';
import { frameLines } from '../io/lineFramer.ts';
import { GlobalStrings, LocalRemap } from '../model/globalStrings.ts';
import { InputError } from '../model/inputError.ts';
import { FtraceTextDecoder } from '../decode/ftrace/ftraceTextDecoder.ts';
import { Warnings } from '../decode/warnings.ts';
import { addStats, emptyStats, type DecodedFrame, type DecodeStats } from '../decode/decoder.ts';
import { detectFormat, FORMATS_TRIED, type Detection } from '../decode/detectFormat.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer, type ReplayOptions } from '../replay/replayer.ts';
import type { InputInfo } from '../analysis/evidenceOut.ts';
import { buildResult, type ReplayResult } from '../report/result.ts';

export interface RunOptions {
  inputs: string[];
  /** Bytes per frame handed to a decoder. */
  frameBytes: number;
  maxLineBytes: number;
  /** trace-cmd buffer instance to keep. */
  instance?: string;
  replay: ReplayOptions;
}

export const DEFAULT_RUN_OPTIONS: Omit<RunOptions, 'inputs'> = {
  frameBytes: 4 << 20,
  maxLineBytes: 1 << 20,
  replay: DEFAULT_REPLAY_OPTIONS,
};

export interface InputSummary extends InputInfo {
  format: string;
  compression: string;
  instance?: string;
  bytes: number;
}

/** Runs the whole replay over the inputs, in order, and builds the result. */
export async function runReplay(opts: RunOptions): Promise<ReplayResult> {
  const strings = new GlobalStrings();
  const replayer = new Replayer(strings, opts.replay);
  const warnings = new Warnings();
  const stats: DecodeStats = emptyStats();
  const inputs: InputSummary[] = [];
  for (let index = 0; index < opts.inputs.length; index++) {
    const summary = await replayInput(opts, index, strings, replayer, warnings, stats);
    inputs.push(summary);
  }
  replayer.finish();
  warnings.merge(replayer.warnings.serialize());
  return buildResult(replayer, inputs, stats, warnings);
}

async function replayInput(
  opts: RunOptions, index: number, strings: GlobalStrings, replayer: Replayer, warnings: Warnings, stats: DecodeStats,
): Promise<InputSummary> {
  const input = await openInput(opts.inputs[index]);
  if (input.head.length === 0) throw new InputError(input.name, { byte: 0 }, 'empty input: no trace data');
  const det = detectFormat(input.head);
  if (!det) throw new InputError(input.name, { line: 1 }, `not a recognised trace (tried: ${FORMATS_TRIED})`);
  const summary: InputSummary = { name: input.name, positions: 'line', format: det.format, compression: input.compression, bytes: 0 };
  const remap = new LocalRemap(strings);
  const consume = (d: DecodedFrame) => {
    remap.apply(d.batch);
    addStats(stats, d.stats);
    warnings.merge(d.warnings);
    replayer.replay(d.batch);
  };
  switch (det.format) {
    case 'ftrace':
    case 'trace-cmd-report': {
      const instance = opts.instance ?? (det.instanceMode ? det.firstInstance : undefined);
      if (instance !== undefined) summary.instance = instance;
      const decoder = new FtraceTextDecoder(index, { instanceMode: !!det.instanceMode, instance, maxLineBytes: opts.maxLineBytes });
      for await (const frame of frameLines(input.chunks, opts.frameBytes, opts.maxLineBytes)) {
        summary.bytes += frame.buf.length;
        consume(decoder.decode(frame.buf, frame.firstLine));
      }
      return summary;
    }
    default:
      throw unsupported(input.name, det);
  }
}

function unsupported(name: string, det: Detection): InputError {
  return new InputError(name, { byte: 0 }, `${det.format} input is recognised but not supported by this build`);
}
