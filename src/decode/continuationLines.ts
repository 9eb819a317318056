/**
 * Lines that continue an event's text (trace_printk() or a trace_marker write with an embedded newline)
 * have no trace line's shape. Inside a frame the decoder knows the line before; the unparsed lines at the
 * start of a frame (frame.leadingUnparsed, counted as unparsed-line warnings, first) depend on the frame
 * before, which may have been decoded on another thread. Frames pass here in input order and those
 * lines become continuation lines when the frame before ended in an other event, so the result is the
 * same whatever the block size or worker count.
 */
import type { DecodedFrame } from './decoder.ts';
import type { SerializedWarnings } from './warnings.ts';

export class ContinuationLines {
  private open = false;

  /** Call for each frame in input order, before its warnings and stats are merged. */
  settle(frame: DecodedFrame): void {
    const n = frame.leadingUnparsed ?? 0;
    if (n && this.open) {
      dropFirstUnparsed(frame.warnings, n);
      frame.stats.continuationLines += n;
      frame.leadingUnparsed = 0;
    }
    // a frame of unparsed lines only leaves it as it was: continuations keep the event open, warned lines found it closed
    if (frame.endsInOtherEvent !== undefined) this.open = frame.endsInOtherEvent;
  }
}

/** Removes the frame's first n unparsed-line warnings (the leading lines come before any other). */
function dropFirstUnparsed(w: SerializedWarnings, n: number): void {
  const c = w.counts.find(([k]) => k === 'unparsed-line');
  if (!c) return;
  c[1] -= n;
  if (c[1] === 0) w.counts.splice(w.counts.indexOf(c), 1);
  const f = w.first.find(([k]) => k === 'unparsed-line');
  if (!f) return;
  f[1].splice(0, Math.min(n, f[1].length));
  if (f[1].length === 0) w.first.splice(w.first.indexOf(f), 1);
}
