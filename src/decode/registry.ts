/**
 * Which decoder reads which detected format. Every decoder turns an opened
 * input into DecodedFrames (columnar batches with decoder-local string IDs) in
 * input order; the pipeline does the rest. Adding a format = one file under
 * src/decode/<format>/ and one entry here.
 */
import type { OpenedInput } from '../io/openInput.ts';
import type { DecodedFrame } from './decoder.ts';
import type { Detection, TraceFormat } from './detectFormat.ts';
import { decodeFtraceText } from './ftrace/decodeFtraceText.ts';
import { decodeTraceDat } from './tracedat/decodeTraceDat.ts';
import { decodePerfScript } from './perf/decodePerfScript.ts';
import { decodePerfJson } from './perf/decodePerfJson.ts';
import { decodePerfData } from './perfdata/decodePerfData.ts';

export interface DecodeContext {
  /** Index of this input in the run. */
  index: number;
  input: OpenedInput;
  detection: Detection;
  frameBytes: number;
  maxLineBytes: number;
  /** trace-cmd buffer instance requested by the user. */
  instance?: string;
  /** Path of the traced machine's /proc/kallsyms (--kallsyms), possibly compressed. */
  kallsyms?: string;
  /** Extra event names to keep as EventKind.Custom (pseudo-lock rules). */
  customEvents?: readonly string[];
  /** Worker count requested (decoders that parallelise may use it). */
  workers: number;
  /** Live input (trace_pipe): decode each chunk as it arrives instead of waiting for a full frame. */
  live?: boolean;
  /** Set by the decoder: what the input summary should say. */
  summary: { positions: 'line' | 'byte'; instance?: string; bytes: number; notes: string[] };
}

export type FormatDecoder = (ctx: DecodeContext) => AsyncIterable<DecodedFrame>;

export const DECODERS: Partial<Record<TraceFormat, FormatDecoder>> = {
  ftrace: decodeFtraceText,
  'trace-cmd-report': decodeFtraceText,
  'trace-dat': decodeTraceDat,
  'perf-script': decodePerfScript,
  'perf-json': decodePerfJson,
  'perf-data': decodePerfData,
};
