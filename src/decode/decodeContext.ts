/**
 * What a format decoder is given for one input (the lower layer both the
 * registry and every decoder import, so they never import each other).
 */
import type { OpenedInput } from '../io/openInput.ts';
import type { DecodedFrame } from './decoder.ts';
import type { Detection } from './detectFormat.ts';

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
