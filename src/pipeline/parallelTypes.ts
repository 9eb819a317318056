/** The messages between the main thread and a decode worker (workers/decodeFtrace.ts). */
import type { DecodedFrame } from '../decode/decoder.ts';
import type { FtraceTextOptions } from '../decode/ftrace/ftraceTextDecoder.ts';

export interface FrameTask {
  /** Identifies one pool's run, so a worker never reuses a decoder across runs. */
  run: number;
  /** A recycled buffer holding the frame's bytes in [0, length); transferred, then sent back. */
  buf: Uint8Array;
  length: number;
  firstLine: number;
  seq: number;
  input: number;
  /** The decoder options, exactly as the single-thread path builds them. */
  opts: FtraceTextOptions;
}

export interface FrameResult {
  frame: DecodedFrame;
  /** threadId of the worker whose decoder produced the batch (its string IDs are that decoder's). */
  worker: number;
  /** How many frames this worker's decoder had decoded before this one (0, 1, 2, ...). */
  order: number;
  /** The task's buffer, returned for reuse. */
  buf: Uint8Array;
  /** Wall time the worker spent decoding. */
  busyMs: number;
}
