/**
 * The block contract of ftrace text (see pipeline/parallelDecode.ts): raw
 * blocks cut anywhere in the byte stream, the complete lines inside a block
 * decoded by FtraceTextDecoder.decodeBlock (numbered from 1), and the partial
 * lines at block ends joined and decoded in input order by LineJoiner.
 */
import type { DecodedFrame } from '../decoder.ts';
import type { FtraceTextDecoder } from './ftraceTextDecoder.ts';

const LF = 0x0a;

/** A raw block cut from the input: bytes [0, length) of `ab`. */
export interface RawBlock {
  ab: ArrayBuffer;
  length: number;
  /** The previous block ended with a newline (or this is the first block). */
  startsLine: boolean;
}

/** Where blocks come from: an opened input (its `readInto` when it has one, else its chunks). */
export interface BlockInput {
  chunks: AsyncIterable<Buffer>;
  readInto?: (into: Uint8Array) => Promise<number>;
  release?: () => Promise<void>;
}

/**
 * Cuts the input into blocks of exactly `blockBytes` (the last one shorter),
 * in buffers from `spare` (returned there by the consumer) or new ones. A
 * regular file is read straight into the blocks; chunks are copied in.
 * `live`: each chunk that arrived ends a block (trace_pipe: findings as they happen).
 */
export async function* cutBlocks(input: BlockInput, blockBytes: number, spare: ArrayBuffer[], live = false): AsyncGenerator<RawBlock> {
  const fresh = (): ArrayBuffer => {
    let ab = spare.pop();
    while (ab && ab.byteLength < blockBytes) ab = spare.pop();
    return ab ?? new ArrayBuffer(blockBytes);
  };
  let startsLine = true;
  const { readInto } = input;
  if (readInto) {
    try {
      for (let end = false; !end; ) {
        const ab = fresh();
        const view = new Uint8Array(ab, 0, blockBytes);
        let fill = 0;
        while (fill < blockBytes) {
          const n = await readInto(view.subarray(fill));
          if (n === 0) {
            end = true;
            break;
          }
          fill += n;
        }
        if (fill === 0) break;
        const endsLine = view[fill - 1] === LF;
        yield { ab, length: fill, startsLine };
        startsLine = endsLine;
      }
    } finally {
      await input.release?.();
    }
    return;
  }
  let ab = fresh();
  let view = new Uint8Array(ab);
  let fill = 0;
  for await (const c of input.chunks) {
    let off = 0;
    while (off < c.length) {
      const n = Math.min(c.length - off, blockBytes - fill);
      view.set(n === c.length ? c : c.subarray(off, off + n), fill);
      fill += n;
      off += n;
      // a full block; live input (trace_pipe): what has arrived is decoded now, not when a block is full
      if (fill === blockBytes || (live && off === c.length)) {
        const endsLine = view[fill - 1] === LF;
        yield { ab, length: fill, startsLine };
        startsLine = endsLine;
        ab = fresh();
        view = new Uint8Array(ab);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield { ab, length: fill, startsLine };
}

/**
 * The partial lines at block ends, joined in input order: bytes are added
 * until the line's newline (or the end of the input), then the line is decoded
 * with this joiner's own decoder. Keeps at most the line limit plus one byte of
 * a line; a longer line is counted (long-line, with its real length) and
 * skipped, as a long line inside a block is.
 */
export class LineJoiner {
  /** The number of the next line to be numbered (1-based). */
  line = 1;
  private parts: Buffer[] = [];
  private kept = 0;
  private length = 0;

  constructor(
    private readonly decoder: FtraceTextDecoder,
    private readonly maxLine: number,
  ) {}

  add(bytes: Uint8Array): void {
    this.length += bytes.length;
    const room = this.maxLine + 1 - this.kept;
    if (room <= 0 || bytes.length === 0) return;
    const part = Buffer.from(bytes.subarray(0, Math.min(room, bytes.length))); // a copy: block buffers are recycled
    this.parts.push(part);
    this.kept += part.length;
  }

  /** The line in progress ends here (`complete`: its newline was the last byte added); undefined if there is none. */
  end(complete: boolean): DecodedFrame | undefined {
    if (this.length === 0) return undefined;
    const length = this.length - (complete ? 1 : 0);
    const line = this.line++;
    const frame = length > this.maxLine
      ? this.decoder.decodeLongLine(line, length)
      : this.decoder.decode(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.kept), line);
    this.parts = [];
    this.kept = 0;
    this.length = 0;
    return frame;
  }
}

/** Renumbers a block's lines (decoded from 1) to their place in the input. */
export function shiftLines(frame: DecodedFrame, delta: number): void {
  const pos = frame.batch.pos;
  for (let i = 0; i < frame.batch.length; i++) pos[i] += delta;
  for (const [, locs] of frame.warnings.first) for (const loc of locs) loc.pos += delta;
}

