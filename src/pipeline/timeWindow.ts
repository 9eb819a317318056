/**
 * The time window an input covers: the first and last event timestamps
 * (trace clock, seconds since boot for the default clocks). Two recordings of
 * one boot rarely cover the same window (a ring buffer keeps only its newest
 * pages; trace-cmd records only while it runs; the per-CPU streams start and
 * stop at different times), and a finding can only come from events inside
 * the window, so the input summary shows it, and says when the inputs of one
 * run differ. Every event counts, the ones of other tracepoints (sched, irq,
 * ...) too, which the decoders only count and time (DecodeStats
 * otherFirstNs/otherLastNs). Loss markers carry no time of their own in the
 * text formats and are left out.
 */
import type { TimeWindowOut } from '../report/inputSummary.ts';
import type { EventBatch } from '../model/batch.ts';
import { EventKind } from '../model/eventKind.ts';
import { formatTs } from '../analysis/evidenceOut.ts';

export class TimeWindow {
  private first = Infinity;
  private last = -Infinity;

  add(b: EventBatch): void {
    const ts = b.tsNs, kind = b.kind;
    let lo = this.first, hi = this.last;
    for (let i = 0; i < b.length; i++) {
      const k = kind[i];
      if (k === EventKind.Lost || k === EventKind.BufferStarted || k >= EventKind.Stack) continue;
      const t = ts[i];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    this.first = lo;
    this.last = hi;
  }

  /** Events the decoder only counted: their earliest and latest timestamps. */
  addRange(firstNs: number, lastNs: number): void {
    if (firstNs < this.first) this.first = firstNs;
    if (lastNs > this.last) this.last = lastNs;
  }

  /** The window, or undefined when the input had no event. */
  out(): TimeWindowOut | undefined {
    return this.first <= this.last ? { first: formatTs(this.first), last: formatTs(this.last) } : undefined;
  }
}

/**
 * Notes for inputs replayed together (one run is one capture, one boot) whose
 * windows differ: each input after the first that differs from an earlier one
 * names the earliest such input and both windows.
 */
export function windowNotes(inputs: { name: string; window?: TimeWindowOut }[]): Map<number, string> {
  const notes = new Map<number, string>();
  for (let k = 1; k < inputs.length; k++) {
    const w = inputs[k].window;
    if (!w) continue;
    for (let j = 0; j < k; j++) {
      const v = inputs[j].window;
      if (!v || (v.first === w.first && v.last === w.last)) continue;
      notes.set(k, `time window differs from ${inputs[j].name} (${v.first}-${v.last} s): events outside the overlap are in one input only`);
      break;
    }
  }
  return notes;
}
