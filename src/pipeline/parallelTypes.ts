/** The messages between the main thread and a decode worker (workers/decodeFtrace.ts). */
import type { DecodedBlock, FtraceTextOptions } from '../decode/ftrace/ftraceTextDecoder.ts';

export interface BlockTask {
  /** Identifies one pool's run, so a worker never reuses a decoder across runs. */
  run: number;
  /** A recycled buffer holding the block's raw bytes in [0, length); transferred, then sent back. */
  buf: Uint8Array;
  length: number;
  /** The previous block ended with a newline (or this is the first block). */
  startsLine: boolean;
  seq: number;
  input: number;
  /** The decoder options, exactly as the single-thread path builds them. */
  opts: FtraceTextOptions;
  /** Column buffers of a batch the main thread is done with, for the worker's next batch (transferred). */
  columns?: ArrayBuffer[];
}

export interface BlockResult {
  block: DecodedBlock;
  /** threadId of the worker whose decoder produced the batch (its string IDs are that decoder's). */
  worker: number;
  /** How many blocks this worker's decoder had decoded before this one (0, 1, 2, ...). */
  order: number;
  /** The task's buffer, returned for reuse (and for the partial lines at its ends). */
  buf: Uint8Array;
  /** Wall time the worker spent decoding. */
  busyMs: number;
}
