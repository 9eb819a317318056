/** Registry entry for ftrace-style text: frame the byte stream, decode each frame. */
import { frameLines } from '../../io/lineFramer.ts';
import type { DecodedFrame } from '../decoder.ts';
import type { DecodeContext } from '../registry.ts';
import { FtraceTextDecoder } from './ftraceTextDecoder.ts';

export async function* decodeFtraceText(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  const det = ctx.detection;
  const instance = ctx.instance ?? (det.instanceMode ? det.firstInstance : undefined);
  if (instance !== undefined) ctx.summary.instance = instance;
  const decoder = new FtraceTextDecoder(ctx.index, { instanceMode: !!det.instanceMode, instance, maxLineBytes: ctx.maxLineBytes, customEvents: ctx.customEvents });
  for await (const frame of frameLines(ctx.input.chunks, ctx.frameBytes, ctx.maxLineBytes)) {
    ctx.summary.bytes += frame.buf.length;
    yield decoder.decode(frame.buf, frame.firstLine);
  }
}
