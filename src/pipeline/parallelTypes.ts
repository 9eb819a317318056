/** The messages between the main thread and a decode worker (workers/decodeFtrace.ts). */
import type { DecodedFrame } from '../decode/decoder.ts';

export interface FrameTask {
  /** A private copy of the frame's bytes, transferred (not cloned) to the worker. */
  buf: Uint8Array;
  firstLine: number;
  seq: number;
  input: number;
  instanceMode: boolean;
  instance?: string;
  maxLineBytes: number;
}

export interface FrameResult {
  frame: DecodedFrame;
  /** Wall time the worker spent decoding (synchronous, so also its CPU time). */
  busyMs: number;
}
