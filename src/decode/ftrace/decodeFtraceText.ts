/** Registry entry for ftrace-style text: frame the byte stream, decode each frame. */
import { frameLines } from '../../io/lineFramer.ts';
import type { DecodedFrame } from '../decoder.ts';
import type { DecodeContext } from '../registry.ts';
import { FtraceTextDecoder, type FtraceTextOptions } from './ftraceTextDecoder.ts';

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

export async function* decodeFtraceText(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  const decoder = new FtraceTextDecoder(ctx.index, ftraceTextOptions(ctx));
  for await (const frame of frameLines(ctx.input.chunks, ctx.frameBytes, ctx.maxLineBytes)) {
    ctx.summary.bytes += frame.buf.length;
    yield decoder.decode(frame.buf, frame.firstLine);
  }
}
