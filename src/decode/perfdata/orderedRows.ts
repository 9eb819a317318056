/**
 * Time order across CPU buffers the way perf script delivers events
 * (tools/perf/util/ordered-events.c): perf record writes each CPU's buffer in
 * turn and a FINISHED_ROUND record after every pass over them, so an event
 * with a time at or below the highest time seen before the previous
 * FINISHED_ROUND can no longer be preceded by one still unread. Rows are
 * staged in file order; at FINISHED_ROUND those up to that bound go out
 * sorted by time (ties in file order, as perf's queue inserts them), the
 * rest wait; the end flushes everything. A record without a time (0 or
 * all-ones, e.g. synthesized at start) goes out at once, before anything
 * staged, as perf_session__queue_event() refusing it with -ETIME does.
 *
 * Columnar: the staged rows are a BatchBuilder, delivered rows are read by
 * index from the builder being drained; no object per row.
 */
import { BatchBuilder } from '../../model/batch.ts';

export class OrderedRows {
  /** Rows waiting for their round to be flushed; the decoder appends here. */
  staged = new BatchBuilder(4096);
  /** Rows being delivered: `draining` in the order of `order[drainAt .. drainEnd)`. */
  draining = new BatchBuilder(4096);
  private order = new Uint32Array(4096);
  private drainAt = 0;
  private drainEnd = 0;
  /** perf's max_timestamp and next_flush. */
  private maxTs = 0;
  private nextFlush = 0;

  noteTime(ts: number): void {
    if (ts > this.maxTs) this.maxTs = ts;
  }

  /** FINISHED_ROUND: rows up to the previous round's highest time become deliverable. */
  round(): void {
    this.plan(this.nextFlush);
    this.nextFlush = this.maxTs;
  }

  /** The end of the records: everything is deliverable. */
  final(): void {
    this.plan(Infinity);
  }

  /** The next row to deliver (an index into `draining`), -1 when none is ready. */
  nextRow(): number {
    return this.drainAt < this.drainEnd ? this.order[this.drainAt++] : -1;
  }

  private plan(limit: number): void {
    if (this.drainAt < this.drainEnd) throw new Error('OrderedRows: planned before the previous rows were delivered');
    const s = this.staged, n = s.length, ts = s.tsNs;
    if (this.order.length < n) this.order = new Uint32Array(Math.max(n, this.order.length * 2));
    const idx = this.order.subarray(0, n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      idx[i] = i;
      if (i > 0 && ts[i] < ts[i - 1]) sorted = false;
    }
    if (!sorted) idx.sort((a, b) => ts[a] - ts[b] || a - b);
    let k = 0;
    while (k < n && ts[idx[k]] <= limit) k++;
    // the rows that wait move to the other builder, in time order; the staged ones are drained in place
    const rest = this.draining;
    rest.length = 0;
    for (let j = k; j < n; j++) copyRow(s, idx[j], rest);
    this.draining = s;
    this.staged = rest;
    this.drainAt = 0;
    this.drainEnd = k;
  }
}

/** Appends row i of `from` to `to`. */
export function copyRow(from: BatchBuilder, i: number, to: BatchBuilder): number {
  const j = to.push(from.kind[i], from.tsNs[i], from.cpu[i], from.pid[i], from.irq[i], from.pos[i]);
  to.lockFlags[j] = from.lockFlags[i];
  to.name[j] = from.name[i];
  to.addr[j] = from.addr[i];
  to.comm[j] = from.comm[i];
  to.aux[j] = from.aux[i];
  return j;
}
