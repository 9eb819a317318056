/**
 * The output side of the binary decoders (trace.dat, perf.data): the batch
 * being built, the strings interned for it, the warnings and skip counts of
 * the frame, and the hand-off that turns them into a DecodedFrame and starts
 * the next one (in the column buffers of a batch the consumer is done with,
 * batchTransferList() order, when they fit).
 */
import { BatchBuilder } from '../model/batch.ts';
import { ByteInterner } from '../model/byteInterner.ts';
import { emptyStats, type DecodedFrame, type DecodeStats } from './decoder.ts';
import { Warnings } from './warnings.ts';

/** Events per batch at the default 4 MiB frame: ~64K; smaller frames give smaller batches. */
export function eventsPerFrame(frameBytes: number): number {
  return Math.max(1, Math.min(65536, Math.floor(frameBytes / 64)));
}

export class FrameSink {
  readonly strings: ByteInterner;
  readonly out: BatchBuilder;
  warnings = new Warnings();
  stats: DecodeStats = emptyStats();
  /** Frames handed out so far (their seq are 0 .. seq - 1). */
  seq = 0;

  constructor(
    private readonly input: number,
    perFrame: number,
    /** The input is small (under 1 MiB): start the string tables small too. */
    small = false,
  ) {
    this.strings = new ByteInterner(small);
    // room past a frame's events for the rows one more event may bring (a callchain's frames), so the
    // builder rarely grows (and hands out columns of another size) at a frame's end
    this.out = new BatchBuilder(Math.min(perFrame, 65536) + 256);
  }

  /** At the end: whether a last frame is due (rows, warnings or skip counts left, or no frame yet: an empty input has one). */
  get lastDue(): boolean {
    return this.out.length > 0 || this.seq === 0 || this.warnings.counts.size > 0 || this.stats.otherEvents > 0;
  }

  flush(recycle: ArrayBuffer[] | undefined): DecodedFrame {
    const { from, strings: texts } = this.strings.takeNew();
    // the builder's own columns, not a copy: the builder goes on in `recycle` or in new buffers
    const batch = this.out.handOff(this.seq++, this.input, from, texts, recycle);
    const f: DecodedFrame = { batch, stats: this.stats, warnings: this.warnings.serialize() };
    this.warnings = new Warnings();
    this.stats = emptyStats();
    return f;
  }
}
