/** Registry entry for ftrace-style text: cut the byte stream into blocks, decode each block. */
import type { DecodedFrame } from '../decoder.ts';
import type { DecodeContext } from '../decodeContext.ts';
import { FtraceTextDecoder, type FtraceTextOptions } from './ftraceTextDecoder.ts';
import { LineJoiner, cutBlocks, shiftLines } from './ftraceBlocks.ts';

/**
 * The decoder options for an input (also for pipeline/parallelDecode and its
 * workers): the trace-cmd instance to keep (the user's, else the first one
 * seen), which the input summary reports too.
 */
export function ftraceTextOptions(ctx: DecodeContext): FtraceTextOptions {
  const det = ctx.detection;
  const instance = ctx.instance ?? (det.instanceMode ? det.firstInstance : undefined);
  if (instance !== undefined) ctx.summary.instance = instance;
  return { instanceMode: !!det.instanceMode, instance, maxLineBytes: ctx.maxLineBytes, customEvents: ctx.customEvents ? [...ctx.customEvents] : undefined };
}

/**
 * The registry's form (frames with decoder-local string IDs, for one
 * LocalRemap): the same blocks and joined lines as pipeline/parallelDecode,
 * with one decoder called in input order (a joined line before the block it
 * ends in), so its local IDs follow first appearance.
 */
export async function* decodeFtraceText(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  const decoder = new FtraceTextDecoder(ctx.index, ftraceTextOptions(ctx));
  const joiner = new LineJoiner(decoder, ctx.maxLineBytes);
  const spare: ArrayBuffer[] = [];
  for await (const b of cutBlocks(ctx.input, Math.max(1, Math.floor(ctx.frameBytes)), spare, ctx.live)) {
    ctx.summary.bytes += b.length;
    const bytes = new Uint8Array(b.ab, 0, b.length);
    const first = bytes.indexOf(0x0a);
    if (first < 0) {
      joiner.add(bytes); // no newline: all of it is inside one line
    } else {
      if (!b.startsLine) {
        joiner.add(bytes.subarray(0, first + 1));
        yield joiner.end(true)!;
      }
      const { frame, tail } = decoder.decodeBlock(bytes, b.startsLine);
      if (joiner.line !== 1) shiftLines(frame, joiner.line - 1);
      joiner.line += frame.stats.lines;
      if (tail < b.length) joiner.add(bytes.subarray(tail));
      yield frame;
    }
    spare.push(b.ab);
  }
  const last = joiner.end(false);
  if (last) yield last;
}
