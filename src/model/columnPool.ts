/**
 * Column buffers of batches the consumer is done with, kept for the decoders'
 * next batches (BatchBuilder.handOff()): frames then cost no allocation once
 * the first few have come back, and no external-memory growth that would make
 * V8 run full collections on both threads. A batch is done when the replay
 * asks for the next frame.
 */
import { batchTransferList, type EventBatch } from './batch.ts';

export class ColumnPool {
  private readonly sets: ArrayBuffer[][] = [];
  constructor(private readonly max: number) {}
  put(b: EventBatch): void {
    if (this.sets.length < this.max) this.sets.push(batchTransferList(b));
  }
  /** A set to build the next batch in ([] for new buffers). */
  take(): ArrayBuffer[] {
    return this.sets.pop() ?? [];
  }
}
