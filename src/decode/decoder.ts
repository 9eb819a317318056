/**
 * The contract every format's decoder meets (speedscope-style: many formats
 * in, one model out): frames of input in, columnar EventBatches out, plus
 * counted warnings and line statistics. Decoders hold no replay state, so a
 * frame can be decoded on any worker.
 */
import type { EventBatch } from '../model/batch.ts';
import type { SerializedWarnings } from './warnings.ts';

export interface DecodeStats {
  lines: number;
  /** Events of other tracepoints (sched, irq, ...) skipped cheaply. */
  otherEvents: number;
  headerLines: number;
}

export interface DecodedFrame {
  batch: EventBatch;
  stats: DecodeStats;
  warnings: SerializedWarnings;
}

export function emptyStats(): DecodeStats {
  return { lines: 0, otherEvents: 0, headerLines: 0 };
}

export function addStats(a: DecodeStats, b: DecodeStats): void {
  a.lines += b.lines;
  a.otherEvents += b.otherEvents;
  a.headerLines += b.headerLines;
}
