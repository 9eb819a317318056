/** Registry entry for `perf script` text: frame the byte stream, decode each frame. */
import { frameLines } from '../../io/lineFramer.ts';
import type { DecodedFrame } from '../decoder.ts';
import type { DecodeContext } from '../decodeContext.ts';
import { PerfScriptDecoder } from './perfScriptDecoder.ts';

export async function* decodePerfScript(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  ctx.summary.notes.push('perf script text has no irq flags column: interrupt contexts cannot be told from the tasks they interrupted');
  const decoder = new PerfScriptDecoder(ctx.index, ctx.maxLineBytes);
  for await (const frame of frameLines(ctx.input.chunks, ctx.frameBytes, ctx.maxLineBytes)) {
    const firstByte = ctx.summary.bytes;
    ctx.summary.bytes += frame.buf.length;
    yield decoder.decode(frame.buf, frame.firstLine, firstByte);
  }
  if (decoder.lostLines > 0) {
    ctx.summary.notes.push(
      `perf lost records: ${decoder.lostLines} PERF_RECORD_LOST line(s), ${decoder.lostRecords} record(s) lost; ` +
        'every lock held at a loss is uncertain from there on',
    );
  }
}
