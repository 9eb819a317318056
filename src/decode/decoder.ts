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
  /** Earliest and latest timestamp (ns) of those other events: the time window covers every event. */
  otherFirstNs: number;
  otherLastNs: number;
  headerLines: number;
  /** Lines continuing the text of the event before them (a trace_printk or marker write with an embedded newline). */
  continuationLines: number;
}

/**
 * Counts one event of another tracepoint at `tsNs` (NaN when the line had no
 * timestamp); `inWindow` false for an event of another buffer instance.
 */
export function countOther(stats: DecodeStats, tsNs: number, inWindow = true): void {
  stats.otherEvents++;
  if (!inWindow) return;
  if (tsNs < stats.otherFirstNs) stats.otherFirstNs = tsNs;
  if (tsNs > stats.otherLastNs) stats.otherLastNs = tsNs;
}

export interface DecodedFrame {
  batch: EventBatch;
  stats: DecodeStats;
  warnings: SerializedWarnings;
  /**
   * Text decoders: unparsed lines at the start of the frame, before its first decided line (counted in
   * `warnings` as unparsed-line, first); whether they continue an event is known only from the frame before.
   */
  leadingUnparsed?: number;
  /** Text decoders: the frame's last decided line was an other event, whose text the next lines may continue (undefined: no decided line). */
  endsInOtherEvent?: boolean;
}

export function emptyStats(): DecodeStats {
  return { lines: 0, otherEvents: 0, otherFirstNs: Infinity, otherLastNs: -Infinity, headerLines: 0, continuationLines: 0 };
}

export function addStats(a: DecodeStats, b: DecodeStats): void {
  a.lines += b.lines;
  a.otherEvents += b.otherEvents;
  if (b.otherFirstNs < a.otherFirstNs) a.otherFirstNs = b.otherFirstNs;
  if (b.otherLastNs > a.otherLastNs) a.otherLastNs = b.otherLastNs;
  a.headerLines += b.headerLines;
  a.continuationLines += b.continuationLines;
}
