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
 * index from the builder being drained; no object per row. A callchain is one
 * staged Stack row whose frames (string IDs) wait in a frame pool beside the
 * rows (addr = first frame in the pool, aux = count), so a sample's dozens of
 * frames are neither sorted nor copied row by row.
 */
import { BatchBuilder } from '../../model/batch.ts';
import { EventKind } from '../../model/eventKind.ts';

export class OrderedRows {
  /** Rows waiting for their round to be flushed; the decoder appends here. */
  staged: BatchBuilder;
  /** Rows being delivered: `draining` in the order of `order[drainAt .. drainEnd)`. */
  draining: BatchBuilder;
  private order: Uint32Array;
  private spare: Uint32Array;
  private drainAt = 0;
  private drainEnd = 0;
  /** perf's max_timestamp and next_flush. */
  private maxTs = 0;
  private nextFlush = 0;

  /** Frames of the staged Stack rows, and of the rows being drained. */
  private stagedFrames: Uint32Array;
  private stagedFramesLen = 0;
  private drainingFrames: Uint32Array;

  /** `rows`: the initial capacity (the builders grow as a round needs). */
  constructor(rows = 16384) {
    this.staged = new BatchBuilder(rows);
    this.draining = new BatchBuilder(rows);
    this.order = new Uint32Array(rows);
    this.spare = new Uint32Array(rows);
    this.stagedFrames = new Uint32Array(rows);
    this.drainingFrames = new Uint32Array(rows);
  }

  /** Appends a frame (string ID) to the staged pool; the Stack row's addr/aux say where its frames start and how many. */
  addFrame(id: number): void {
    if (this.stagedFramesLen === this.stagedFrames.length) {
      const a = new Uint32Array(this.stagedFrames.length * 2);
      a.set(this.stagedFrames);
      this.stagedFrames = a;
    }
    this.stagedFrames[this.stagedFramesLen++] = id;
  }

  get framesEnd(): number {
    return this.stagedFramesLen;
  }

  /** The frame pool of `from` (the staged builder, or the one being drained). */
  framesOf(from: BatchBuilder): Uint32Array {
    return from === this.staged ? this.stagedFrames : this.drainingFrames;
  }

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
    const s = this.staged, n = s.length;
    if (this.order.length < n) {
      this.order = new Uint32Array(Math.max(n, this.order.length * 2));
      this.spare = new Uint32Array(this.order.length);
    }
    const idx = stableTimeOrder(s.tsNs, n, this.order, this.spare);
    if (idx !== this.order) {
      this.spare = this.order;
      this.order = idx;
    }
    const ts = s.tsNs;
    let k = 0;
    while (k < n && ts[idx[k]] <= limit) k++;
    // the rows that wait move to the other builder with their frames to the other pool; the staged ones are
    // drained in place
    const rest = this.draining;
    rest.length = 0;
    const from = this.stagedFrames;
    const waitAsSuffix = waitingAreSuffix(idx, k, n);
    let to = this.drainingFrames, toLen = 0;
    if (waitAsSuffix) {
      // The usual round: every row read since the previous FINISHED_ROUND waits, every older one goes out.
      // They move as a block, in file order (the next plan's stable sort puts them in time order just the
      // same: ties stay in file order), with their frames, which follow one another in the pool likewise.
      rest.appendRows(s, k, n);
      let base = -1;
      for (let r = 0; r < rest.length; r++) {
        if (rest.kind[r] !== EventKind.Stack) continue;
        if (base < 0) base = rest.addr[r];
        rest.addr[r] -= base;
      }
      if (base >= 0) {
        toLen = this.stagedFramesLen - base;
        if (toLen > to.length) to = new Uint32Array(Math.max(to.length * 2, toLen));
        to.set(from.subarray(base, this.stagedFramesLen));
      }
    } else {
      for (let j = k; j < n; j++) {
        const r = copyRow(s, idx[j], rest);
        if (rest.kind[r] !== EventKind.Stack) continue;
        const at = rest.addr[r], nf = rest.aux[r];
        if (toLen + nf > to.length) {
          const a = new Uint32Array(Math.max(to.length * 2, toLen + nf));
          a.set(to.subarray(0, toLen));
          to = a;
        }
        to.set(from.subarray(at, at + nf), toLen);
        rest.addr[r] = toLen;
        toLen += nf;
      }
    }
    this.drainingFrames = from;
    this.stagedFrames = to;
    this.stagedFramesLen = toLen;
    this.draining = s;
    this.staged = rest;
    this.drainAt = 0;
    this.drainEnd = k;
  }
}

/**
 * Row indices 0..n-1 ordered by time, ties in index order: a natural merge sort. The staged rows are a few
 * runs already in order (the rows that waited, then each CPU buffer's records), so this is a couple of
 * linear passes. Returns whichever of `a` and `b` holds the result.
 */
export function stableTimeOrder(ts: Float64Array, n: number, a: Uint32Array, b: Uint32Array): Uint32Array {
  for (let i = 0; i < n; i++) a[i] = i;
  // run starts, then n
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (ts[i] < ts[i - 1]) starts.push(i);
  starts.push(n);
  let src = a, dst = b;
  let runs = starts;
  while (runs.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r], mid = runs[r + 1], hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = lo, j = mid, o = lo;
      while (i < mid && j < hi) dst[o++] = ts[src[j]] < ts[src[i]] ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
      next.push(hi);
    }
    runs = next;
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

/** Whether the rows order[k..n) (those that wait) are exactly the rows k..n-1, the staged ones read last. */
function waitingAreSuffix(order: Uint32Array, k: number, n: number): boolean {
  for (let j = k; j < n; j++) if (order[j] < k) return false;
  return true;
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
