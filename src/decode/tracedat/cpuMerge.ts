/**
 * The per-CPU ring-buffer streams of one buffer instance merged into one
 * timestamp order, as trace-cmd report merges them (tracecmd_peek_next_data():
 * smallest timestamp first, ties to the lower CPU, a CPU's own records never
 * reordered), plus where the replay must stop trusting held-lock state because
 * a CPU's events are missing. The replayer's rules for the ftrace text markers
 * then apply unchanged (src/replay/replayer.ts onBufferStarted / onLost):
 *
 * - Each CPU's stream starts at its own time. Whatever that CPU did before
 *   its first record is unknown, and tasks migrate, so any context may hold
 *   stale entries or rest on releases made there: `##### CPU N buffer
 *   started ####`, which the kernel's test_cpu_buff_start() prints before the
 *   first event of every CPU except the very first event of the output. We emit
 *   BufferStarted at the same places, for every file: a first page flagged
 *   RB_MISSED_EVENTS (the writer overwrote older pages before trace-cmd read
 *   them: ring_buffer_read_page()) proves the loss, but an unflagged one does
 *   not prove its absence (trace-cmd record -m drops a CPU's oldest pages
 *   itself, unflagged; a cut or split file starts mid-history). On a lockdep
 *   kernel every CPU takes locks at each tick, so CPU streams of a complete
 *   recording start within milliseconds of each other and the marker costs
 *   next to nothing there; the first page's missed count is not reported (the
 *   `trace` file, which shows these markers, has none either).
 * - A flagged page later in a stream is a gap: the CPU's records between its
 *   previous record and that page's first record are gone (trace-cmd report
 *   prints `CPU:N [M EVENTS DROPPED]` before the page's first record; the
 *   kernel's trace_pipe prints `CPU:N [LOST M EVENTS]` at the same point). Any
 *   task may have run on that CPU during the gap, so held state is unknown from
 *   the gap's start: a task seen on another CPU inside the gap may already have
 *   released locks there. The text formats can only mark the gap's end; here
 *   the gap is marked at both ends: GapStart right after the CPU's last record
 *   before it (uncounted), GapEnd before the first record after it (counted
 *   once, with the page's missed-event count, 0 = unknown).
 * - A stream whose last page is flagged lost events after its last record: one
 *   counted marker right after that record.
 *
 * next() leaves its answer in public fields (no object per record).
 */
import type { CpuRingBuffer } from './cpuRingBuffer.ts';

export enum MergeItem {
  /** `stream` holds the next record (valid until the following next()). */
  Record = 0,
  BufferStarted = 1,
  /** The start of a CPU's gap (uncounted: the gap is counted at its end). */
  GapStart = 2,
  /** The end of a CPU's gap, or events lost after its last record; `lost` is the count (0 unknown). */
  GapEnd = 3,
}

export class CpuMerge {
  item: MergeItem = MergeItem.Record;
  /** The stream whose current record is next (item Record). */
  stream: CpuRingBuffer | undefined;
  /** Markers: the CPU, the timestamp that places the marker, missed events (0 = unknown), byte position of the flagged page. */
  cpu = 0;
  ts = 0;
  lost = 0;
  pos = 0;

  private readonly streams: CpuRingBuffer[] = [];
  /** Streams whose first record is not out yet. */
  private readonly notStarted = new Set<CpuRingBuffer>();
  /** The stream of the record handed out last: advanced at the next call, when the caller is done with its bytes. */
  private handedOut: CpuRingBuffer | undefined;
  private records = 0;

  /** `streams` in CPU order (ties go to the earlier one). */
  constructor(streams: CpuRingBuffer[]) {
    for (const s of streams) {
      if (!s.advance()) continue;
      s.lost = -1; // the start itself is the marker
      this.notStarted.add(s);
      this.streams.push(s);
    }
  }

  /** Steps to the next record or marker; false at the end of every stream. */
  next(): boolean {
    const prev = this.handedOut;
    if (prev) {
      this.handedOut = undefined;
      const ts = prev.ts;
      if (!prev.advance()) {
        this.streams.splice(this.streams.indexOf(prev), 1);
        if (prev.lost >= 0) return this.marker(MergeItem.GapEnd, prev, ts, true);
      } else if (prev.lost >= 0) {
        return this.marker(MergeItem.GapStart, prev, ts, false);
      }
    }
    const streams = this.streams;
    if (streams.length === 0) return false;
    let s = streams[0];
    for (let k = 1; k < streams.length; k++) if (streams[k].ts < s.ts) s = streams[k];
    if (this.notStarted.size > 0 && this.notStarted.delete(s) && this.records > 0) {
      this.item = MergeItem.BufferStarted;
      this.cpu = s.cpu;
      this.ts = s.ts;
      this.lost = 0;
      this.pos = s.pos;
      return true;
    }
    if (s.lost >= 0) return this.marker(MergeItem.GapEnd, s, s.ts, true);
    this.item = MergeItem.Record;
    this.stream = this.handedOut = s;
    this.records++;
    return true;
  }

  private marker(item: MergeItem, s: CpuRingBuffer, ts: number, consume: boolean): boolean {
    this.item = item;
    this.cpu = s.cpu;
    this.ts = ts;
    this.lost = s.lost;
    this.pos = s.lostPos;
    if (consume) s.lost = -1;
    return true;
  }
}
