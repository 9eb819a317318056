/**
 * A perf.data (file or pipe mode) as a sequence of DecodedFrames: attrs decide
 * each sample's layout, the tracing data's format texts decide the raw
 * tracepoint layout (the same parser and record decoder as trace.dat, so
 * common_flags give the same irq bits), COMM/FORK records name the tasks as
 * perf script does, LOST records become Lost events, and rows go out in
 * perf's FINISHED_ROUND order (orderedRows.ts). Stateful and synchronous.
 *
 * `pos` is the byte offset of the record in the (decompressed) file.
 */
import type { BatchBuilder } from '../../model/batch.ts';
import { EventKind, LockFlags } from '../../model/eventKind.ts';
import { InputError } from '../../model/inputError.ts';
import { countOther, type DecodedFrame } from '../decoder.ts';
import { eventsPerFrame, FrameSink } from '../frameSink.ts';
import { EventLayouts } from '../tracedat/eventLayouts.ts';
import { Kallsyms } from '../tracedat/kallsyms.ts';
import type { RandomAccess } from '../tracedat/randomAccess.ts';
import { RecordDecoder, type RawRecord } from '../tracedat/recordDecoder.ts';
import { readTracingPreamble, readTracingSections } from '../tracedat/traceDatMeta.ts';
import { PERF_TYPE_TRACEPOINT, RecordType } from './perfAbi.ts';
import { attrSizeOf, ATTR_SIZE_VER0, readAttr, readFieldBytes, sampleIdOffset, sampleLayout, trailerIdFromEnd, trailerLayout, type PerfAttr, type SampleLayout, type TrailerLayout } from './perfAttr.ts';
import { readPerfDataHeader, u64of, type PerfDataHeader } from './perfHeader.ts';
import { copyRow, OrderedRows } from './orderedRows.ts';
import { RecordStream } from './recordStream.ts';
import { ThreadComms } from './threads.ts';

/** Staged-only row kinds (never in a batch): thread table updates, applied in delivery order. */
const COMM_ROW = 254, FORK_ROW = 253;
const TWO32 = 0x100000000;
/** Files below this size start with small tables (FrameSink, OrderedRows). */
const SMALL_FILE = 1 << 20;
const U32_MAX = 0xffffffff;
/** Low halves of enum perf_callchain_context (u64 -4095 .. -1): PERF_CONTEXT_MAX, _USER, _GUEST_USER. */
const PERF_CONTEXT_MAX_LO = 0xfffff001, PERF_CONTEXT_USER_LO = 0xfffffe00, PERF_CONTEXT_GUEST_USER_LO = 0xfffff600;

export interface PerfDataSummary {
  positions: 'byte';
  bytes: number;
  notes: string[];
}

export class PerfDataDecoder {
  readonly summary: PerfDataSummary;
  private readonly header: PerfDataHeader;
  private readonly stream: RecordStream;
  private readonly attrs: PerfAttr[] = [];
  private readonly attrById = new Map<number, number>();
  private readonly samples: SampleLayout[] = [];
  private readonly trailers: TrailerLayout[] = [];
  private sampleIdAt = -1;
  private trailerIdFromEnd = -1;
  private records: RecordDecoder | undefined;
  private readonly sink: FrameSink;
  private readonly threads: ThreadComms;
  private readonly q: OrderedRows;
  private readonly perFrame: number;
  private readonly raw: RawRecord;
  private drained = false;
  private ended = false;
  private checkedEvents = false;
  /** Decoding of the current record's trailer: time, cpu. */
  private recTs = 0;
  private recCpu = 0;
  /** Per CPU: a lock_release was delivered (the held-state marker before the first one is out). */
  private releaseSeen = new Uint8Array(256);
  private lostRecords = 0;
  private lostCount = 0;
  private untimedLostSamples = 0;

  constructor(
    private readonly file: RandomAccess,
    private readonly input: number,
    frameBytes: number,
    /** The guest's /proc/kallsyms (--kallsyms): perf stores none in its tracing data, so %ps needs it. */
    private readonly kallsyms: Buffer | undefined,
  ) {
    this.perFrame = eventsPerFrame(frameBytes);
    this.sink = new FrameSink(input, this.perFrame, file.size < SMALL_FILE);
    this.threads = new ThreadComms(this.sink.strings);
    this.q = new OrderedRows(file.size < SMALL_FILE ? 256 : 16384);
    const h = (this.header = readPerfDataHeader(file));
    this.summary = {
      positions: 'byte', bytes: file.size,
      notes: [`perf.data (${h.pipe ? 'pipe' : 'file'} mode${h.osRelease ? `, recorded on ${h.osRelease}` : ''})`],
    };
    for (const a of h.attrs) this.addAttr(a);
    if (!h.pipe) {
      this.checkEvents(0);
      if (h.tracing) this.readTracing(h.tracing.offset, h.tracing.size);
      else throw new InputError(file.name, { byte: 0 }, 'corrupt perf.data: tracepoint events but no tracing data section (their formats)');
    }
    this.stream = new RecordStream(file, h.dataStart, h.dataEnd, h.little);
    this.raw = { buf: this.stream.buf, view: this.stream.view, rec: 0, recLen: 0, ts: 0, cpu: 0, pos: 0 };
  }

  /** The next frame (undefined after the last one), built in `recycle` when its buffers fit. */
  next(recycle?: ArrayBuffer[]): DecodedFrame | undefined {
    if (this.ended) return undefined;
    const { q, sink, stream } = this;
    const out = sink.out;
    while (out.length < this.perFrame) {
      const r = q.nextRow();
      if (r >= 0) {
        this.deliver(q.draining, r);
        continue;
      }
      if (this.drained) break;
      if (stream.next()) this.onRecord();
      else {
        q.final();
        this.drained = true;
      }
    }
    if (out.length >= this.perFrame) return sink.flush(recycle);
    this.ended = true;
    if (!this.checkedEvents) this.checkEvents(this.header.dataEnd);
    this.noteLosses();
    return sink.lastDue ? sink.flush(recycle) : undefined;
  }

  /** Moves row r of `from` to the output, or applies it to the thread table. */
  private deliver(from: BatchBuilder, r: number): void {
    const k = from.kind[r];
    if (k === COMM_ROW) this.threads.onComm(from.aux[r] | 0, from.pid[r], from.name[r]);
    else if (k === FORK_ROW) this.threads.onFork(from.addr[r] | 0, from.pid[r], from.name[r] | 0, from.aux[r] | 0);
    else if (k === EventKind.Stack) this.deliverStack(from, r);
    else {
      const out = this.sink.out;
      const cpu = from.cpu[r];
      if (k === EventKind.Release && !this.releaseSeen[cpu]) this.releasesStart(cpu, from.tsNs[r], from.pos[r]);
      const j = copyRow(from, r, out);
      if (k === EventKind.Acquire && !this.releaseSeen[cpu]) out.lockFlags[j] |= LockFlags.Uncertain;
      out.comm[j] = k === EventKind.Lost ? 0 : this.threads.commOf(from.comm[r] | 0);
    }
  }

  /** A staged Stack row: the row, then a StackFrame row per frame of its pool range (addr, aux). */
  private deliverStack(from: BatchBuilder, r: number): void {
    const out = this.sink.out, pool = this.q.framesOf(from);
    const ts = from.tsNs[r], cpu = from.cpu[r], pos = from.pos[r];
    const h = out.push(EventKind.Stack, ts, cpu, from.pid[r], from.irq[r], pos);
    out.comm[h] = this.threads.commOf(from.comm[r] | 0);
    for (let f = from.addr[r], end = f + from.aux[r]; f < end; f++) {
      const j = out.push(EventKind.StackFrame, 0, 0, 0, 0, pos);
      out.name[j] = pool[f];
    }
    out.stackRows += 1 + from.aux[r];
  }

  /**
   * perf record turns its events on one at a time, each on every CPU in turn (evlist__enable(): an
   * ioctl(PERF_EVENT_IOC_ENABLE) per event and CPU, in attr order): lock_acquire is recorded before
   * lock_release is, so the first acquisitions on a CPU may lack their releases. They are flagged
   * LockFlags.Uncertain (pushed uncertain), and before the CPU's first lock_release a buffer-started marker
   * makes everything held or recorded before it uncertain (a task may have taken a lock on a CPU whose
   * releases were on and dropped it on one whose were not), as after ftrace's "CPU N buffer started".
   */
  private releasesStart(cpu: number, ts: number, pos: number): void {
    if (cpu >= this.releaseSeen.length) {
      const a = new Uint8Array(65536);
      a.set(this.releaseSeen);
      this.releaseSeen = a;
    }
    this.releaseSeen[cpu] = 1;
    this.sink.out.push(EventKind.BufferStarted, ts, cpu, -1, 0, pos);
  }

  /** The rows just staged from row i on (a record, its stack) go out now if they have no time (perf delivers those unqueued), else wait. */
  private staged(i: number, ts: number): void {
    const s = this.q.staged;
    if (ts === 0) {
      for (let r = i; r < s.length; r++) this.deliver(s, r);
      s.length = i;
    } else this.q.noteTime(ts);
  }

  private onRecord(): void {
    const s = this.stream;
    switch (s.type) {
      case RecordType.Sample: return this.onSample();
      case RecordType.Comm: return this.onComm();
      case RecordType.Fork: return this.onFork();
      case RecordType.Lost:
      case RecordType.LostSamples: return this.onLost();
      case RecordType.FinishedRound: return this.q.round();
      case RecordType.HeaderAttr: return this.onPipeAttr();
      case RecordType.HeaderTracingData: {
        if (s.size < 12) throw new InputError(this.file.name, { byte: s.pos }, 'corrupt perf.data: tracing data record without its size');
        const size = s.view.getUint32(s.at + 8, this.header.little);
        this.readTracing(s.after, size);
        s.skip(size, 'tracing data');
        return;
      }
      case RecordType.Auxtrace: {
        // AUX area data (e.g. Intel PT) follows the record; not tracepoints
        if (s.size < 16) throw new InputError(this.file.name, { byte: s.pos }, 'corrupt perf.data: AUXTRACE record without its size');
        s.skip(u64of(s.view, s.at + 8, this.header.little), 'AUX data');
        return;
      }
      case RecordType.Compressed:
        throw new InputError(this.file.name, { byte: s.pos }, 'perf.data with zstd-compressed records (perf record -z): not supported; decompress it with perf inject -i FILE -o OUT');
    }
  }

  private addAttr(a: PerfAttr): void {
    const k = this.attrs.length;
    a.index = k;
    this.attrs.push(a);
    this.samples.push(sampleLayout(a));
    this.trailers.push(trailerLayout(a));
    for (const id of a.ids) this.attrById.set(id, k);
    if (k === 0) {
      this.sampleIdAt = sampleIdOffset(a.sampleType);
      this.trailerIdFromEnd = a.sampleIdAll ? trailerIdFromEnd(a.sampleType) : -1;
    }
  }

  /** A file without tracepoint events has nothing to replay: one clear line (exit 2). */
  private checkEvents(at: number): void {
    this.checkedEvents = true;
    if (this.attrs.some((a) => a.type === PERF_TYPE_TRACEPOINT)) return;
    throw new InputError(this.file.name, at ? { byte: at } : undefined,
      `perf.data without tracepoint events (${this.attrs.length} event${this.attrs.length === 1 ? '' : 's'}, none a tracepoint): nothing to replay; record with perf record -e 'lock:*' -e 'workqueue:*'`);
  }

  private readTracing(offset: number, size: number): void {
    if (this.records) throw new InputError(this.file.name, { byte: offset }, 'corrupt perf.data: a second tracing data section');
    const pre = readTracingPreamble(this.file, offset);
    const sections = readTracingSections(this.file, pre.cursor, pre.versionText !== '0.5');
    if (pre.cursor.pos > offset + size) {
      throw new InputError(this.file.name, { byte: offset }, `corrupt perf.data: tracing data runs to byte ${pre.cursor.pos}, past its ${size}-byte section`);
    }
    const layouts = new EventLayouts(sections.formats);
    const syms = this.kallsyms ?? sections.kallsyms;
    this.records = new RecordDecoder(layouts, pre.little, this.sink.strings, new Kallsyms(syms), undefined);
  }

  /** HEADER_ATTR (pipe mode): the attr, then its ids up to the record's end. */
  private onPipeAttr(): void {
    const s = this.stream, L = this.header.little;
    const body = s.at + 8;
    if (s.size < 8 + ATTR_SIZE_VER0) throw new InputError(this.file.name, { byte: s.pos }, `corrupt perf.data: attr record of ${s.size} bytes`);
    const size = attrSizeOf(s.view, body, L);
    if (size < ATTR_SIZE_VER0 || 8 + size > s.size || (s.size - 8 - size) % 8 !== 0) {
      throw new InputError(this.file.name, { byte: s.pos }, `corrupt perf.data: attr of ${size} bytes in a ${s.size}-byte record`);
    }
    const a = readAttr(s.view, body, L, this.attrs.length);
    for (let p = body + size; p < s.at + s.size; p += 8) a.ids.push(u64of(s.view, p, L));
    this.addAttr(a);
  }

  /** The attr of the current record, by the id it carries; -1 when it names none. */
  private attrOf(sample: boolean): number {
    const n = this.attrs.length;
    if (n === 0) return -1;
    if (n === 1) return 0;
    const s = this.stream;
    const off = sample ? (this.sampleIdAt < 0 ? -1 : s.at + 8 + this.sampleIdAt) : this.trailerIdFromEnd < 0 ? -1 : s.at + s.size - this.trailerIdFromEnd;
    if (off < 0) return 0; // no ids: perf takes the first event too
    if (off < s.at + 8 || off + 8 > s.at + s.size) return -1;
    return this.attrById.get(u64of(s.view, off, this.header.little)) ?? -1;
  }

  /** Reads time and CPU of a non-sample record from its sample_id trailer; false if it has none that fits. */
  private trailer(minBody: number): boolean {
    const s = this.stream, L = this.header.little;
    this.recTs = 0;
    this.recCpu = 0;
    const a = this.attrOf(false);
    if (a < 0) return true;
    const t = this.trailers[a];
    const start = s.at + s.size - t.bytes;
    if (start < s.at + minBody) return false;
    const v = s.view;
    if (t.time >= 0) this.recTs = v.getUint32(start + t.time + (L ? 4 : 0), L) * TWO32 + v.getUint32(start + t.time + (L ? 0 : 4), L);
    if (t.cpu >= 0) this.recCpu = v.getUint32(start + t.cpu, L);
    if (this.recTs === U32_MAX * TWO32 + U32_MAX) this.recTs = 0;
    return true;
  }

  private onSample(): void {
    const s = this.stream, v = s.view, L = this.header.little;
    if (!this.checkedEvents) this.checkEvents(s.pos);
    const a = this.attrOf(true);
    if (a < 0) {
      this.sink.warnings.add('unparsed-line', this.input, s.pos, 'sample of an event id the file does not declare');
      return;
    }
    const lay = this.samples[a], end = s.at + s.size;
    const base = s.at + 8;
    if (base + lay.fixedEnd > end) return this.shortSample();
    const tid = lay.tid >= 0 ? v.getInt32(base + lay.tid + 4, L) : -1;
    let ts = lay.time >= 0 ? v.getUint32(base + lay.time + (L ? 4 : 0), L) * TWO32 + v.getUint32(base + lay.time + (L ? 0 : 4), L) : 0;
    if (ts === U32_MAX * TWO32 + U32_MAX) ts = 0;
    const cpu = lay.cpu >= 0 ? v.getUint32(base + lay.cpu, L) : 0;
    let p = base + lay.fixedEnd;
    if (lay.read > 0) p += lay.read;
    else if (lay.read < 0) {
      if (p + 8 > end) return this.shortSample();
      const nr = u64of(v, p, L);
      p += nr > 65536 ? end : readFieldBytes(this.attrs[a].readFormat, nr);
    }
    let chainAt = -1, chainLen = 0;
    if (lay.callchain) {
      if (p + 8 > end) return this.shortSample();
      const nr = u64of(v, p, L);
      chainAt = p + 8;
      chainLen = nr > 65536 ? end : nr;
      p += 8 + (nr > 65536 ? end : nr * 8);
    }
    if (!lay.raw || this.attrs[a].type !== PERF_TYPE_TRACEPOINT || !this.records) {
      // an event all the same: it widens the time window (0: the sample has no time)
      countOther(this.sink.stats, lay.time >= 0 ? ts : NaN);
      return;
    }
    if (p + 4 > end) return this.shortSample();
    const rawLen = v.getUint32(p, L);
    if (p + 4 + rawLen > end) return this.shortSample();
    const raw = this.raw;
    raw.buf = s.buf;
    raw.view = v;
    raw.rec = p + 4;
    raw.recLen = rawLen;
    raw.ts = ts;
    raw.cpu = cpu > 65535 ? 65535 : cpu;
    raw.pos = s.pos;
    const q = this.q;
    const i = this.records.decode(raw, q.staged, this.input, this.sink.warnings, this.sink.stats);
    if (i < 0) return;
    // the comm column carries the tid to name the task by at delivery (an exiting task's samples say -1: use common_pid)
    q.staged.comm[i] = tid === -1 ? q.staged.pid[i] : tid;
    if (chainLen > 0) this.callchain(q.staged, i, chainAt, chainLen);
    this.staged(i, ts);
  }

  /**
   * PERF_SAMPLE_CALLCHAIN of the sample staged at row i: a Stack row with the sample's time, CPU, task and
   * irq bits, its frames in the queue's frame pool (delivered as StackFrame rows right after it), as perf
   * script prints them: context markers such as PERF_CONTEXT_KERNEL dropped, user-space entries (after
   * PERF_CONTEXT_USER) as bare addresses, as no kallsyms names them.
   */
  private callchain(st: BatchBuilder, i: number, at: number, n: number): void {
    const v = this.stream.view, L = this.header.little, frames = this.records!.frames, q = this.q;
    const h = st.push(EventKind.Stack, st.tsNs[i], st.cpu[i], st.pid[i], st.irq[i], st.pos[i]);
    st.comm[h] = st.comm[i];
    const first = q.framesEnd;
    let user = false;
    for (let k = 0; k < n; k++) {
      const e = at + k * 8;
      const hi = v.getUint32(e + (L ? 4 : 0), L), lo = v.getUint32(e + (L ? 0 : 4), L);
      if (hi === U32_MAX && lo >= PERF_CONTEXT_MAX_LO) {
        // a context marker (enum perf_callchain_context): what follows is in that context
        user = lo === PERF_CONTEXT_USER_LO || lo === PERF_CONTEXT_GUEST_USER_LO;
        continue;
      }
      q.addFrame(user ? frames.user(hi, lo) : frames.kernel(hi, lo));
    }
    // a chain of markers only: the Stack row alone is an empty stack (interned as none)
    st.addr[h] = first;
    st.aux[h] = q.framesEnd - first;
  }

  private shortSample(): void {
    this.sink.warnings.add('unparsed-line', this.input, this.stream.pos, 'sample shorter than its sample_type says');
  }

  private onComm(): void {
    const s = this.stream, v = s.view, L = this.header.little;
    if (s.size < 17 || !this.trailer(16)) return this.shortRecord('COMM');
    const pid = v.getInt32(s.at + 8, L), tid = v.getInt32(s.at + 12, L);
    const nameStart = s.at + 16;
    let nameEnd = s.buf.indexOf(0, nameStart);
    if (nameEnd < 0 || nameEnd > s.at + s.size) nameEnd = s.at + s.size;
    const i = this.q.staged.push(COMM_ROW, this.recTs, this.recCpu, tid, 0, s.pos);
    this.q.staged.aux[i] = pid;
    this.q.staged.name[i] = this.sink.strings.intern(s.buf, nameStart, nameEnd);
    this.staged(i, this.recTs);
  }

  private onFork(): void {
    const s = this.stream, v = s.view, L = this.header.little;
    if (s.size < 32 || !this.trailer(32)) return this.shortRecord('FORK');
    const i = this.q.staged.push(FORK_ROW, this.recTs, this.recCpu, v.getInt32(s.at + 16, L), 0, s.pos);
    this.q.staged.addr[i] = v.getInt32(s.at + 8, L);
    this.q.staged.name[i] = v.getInt32(s.at + 12, L);
    this.q.staged.aux[i] = v.getInt32(s.at + 20, L);
    this.staged(i, this.recTs);
  }

  /**
   * PERF_RECORD_LOST (the kernel dropped records of this buffer: written where it could write again) is a
   * Lost event, as perf script's PERF_RECORD_LOST line is. PERF_RECORD_LOST_SAMPLES with a time is one too;
   * without one it is perf record's end-of-run count per event of the same losses (read_format LOST), which
   * has no place in time: counted in the summary.
   */
  private onLost(): void {
    const s = this.stream, L = this.header.little;
    const lostAt = s.type === RecordType.Lost ? 16 : 8;
    if (s.size < lostAt + 8 || !this.trailer(lostAt + 8)) return this.shortRecord(s.type === RecordType.Lost ? 'LOST' : 'LOST_SAMPLES');
    const lost = u64of(s.view, s.at + lostAt, L);
    if (s.type === RecordType.LostSamples && this.recTs === 0) {
      this.untimedLostSamples += lost;
      return;
    }
    this.lostRecords++;
    this.lostCount += lost;
    const i = this.q.staged.push(EventKind.Lost, this.recTs, this.recCpu > 65535 ? 65535 : this.recCpu, -1, 0, s.pos);
    this.q.staged.aux[i] = lost > U32_MAX ? U32_MAX : lost;
    this.staged(i, this.recTs);
  }

  private shortRecord(what: string): void {
    this.sink.warnings.add('unparsed-line', this.input, this.stream.pos, `${what} record shorter than its layout`);
  }

  private noteLosses(): void {
    if (this.lostRecords > 0) {
      this.summary.notes.push(
        `perf lost records: ${this.lostRecords} PERF_RECORD_LOST record(s), ${this.lostCount} record(s) lost; every lock held at a loss is uncertain from there on`,
      );
    }
    if (this.untimedLostSamples > 0) {
      this.summary.notes.push(`perf record's end-of-run count of samples lost (PERF_RECORD_LOST_SAMPLES, no time): ${this.untimedLostSamples}`);
    }
  }
}
