/**
 * One raw tracepoint record → one row of the batch, by the file's own event
 * formats (eventLayouts.ts): a trace.dat ring-buffer record, or the raw data
 * of a perf.data sample (the same bytes: perf's tracepoint events fill the
 * same struct trace_entry, common_flags included). Field values are the tokens
 * trace-cmd report prints, so the replay sees the same strings from trace.dat
 * and from report text: pointers as 0x<lowercase hex>, functions by kallsyms
 * (%ps), comms from the caller's CommIds (trace.dat: its saved cmdlines).
 * Per record: typed-array reads and ID lookups, no object and no string unless
 * a value is new.
 */
import type { BatchBuilder } from '../../model/batch.ts';
import type { ByteInterner } from '../../model/byteInterner.ts';
import { EventKind, IrqBits } from '../../model/eventKind.ts';
import { countOther, type DecodeStats } from '../decoder.ts';
import type { Warnings } from '../warnings.ts';
import type { EventLayouts } from './eventLayouts.ts';
import { FrameTexts } from './frameTexts.ts';
import type { Kallsyms } from './kallsyms.ts';
import { PointerIds } from './pointerIds.ts';
import { NameByAddress } from '../../model/nameByAddress.ts';

/** common_flags (include/linux/trace_events.h: enum trace_flag_type) → IrqBits. */
const TRACE_FLAG_IRQS_OFF = 0x01, TRACE_FLAG_HARDIRQ = 0x08, TRACE_FLAG_SOFTIRQ = 0x10;
const TRACE_FLAG_NMI = 0x40, TRACE_FLAG_BH_OFF = 0x80;

export function irqBitsOfCommonFlags(f: number): number {
  let irq = 0;
  if (f & TRACE_FLAG_IRQS_OFF) irq |= IrqBits.IrqsOff;
  if (f & TRACE_FLAG_HARDIRQ) irq |= IrqBits.Hardirq;
  if (f & TRACE_FLAG_SOFTIRQ) irq |= IrqBits.Softirq;
  // __nmi_enter() also adds HARDIRQ_OFFSET, so NMI is always a hardirq too
  if (f & TRACE_FLAG_NMI) irq |= IrqBits.Nmi | IrqBits.Hardirq;
  if (f & TRACE_FLAG_BH_OFF) irq |= IrqBits.BhOff;
  return irq;
}
const IRQ_OF_FLAGS = Uint8Array.from({ length: 256 }, (_, f) => irqBitsOfCommonFlags(f));

/** One raw record: its bytes [rec, rec + recLen) in buf (view over the same memory), time, CPU and byte position. */
export interface RawRecord {
  buf: Uint8Array;
  view: DataView;
  rec: number;
  recLen: number;
  ts: number;
  cpu: number;
  pos: number;
}

/** pid → interned comm string ID. */
export interface CommIds {
  commOf(pid: number): number;
}

export class RecordDecoder {
  private readonly pointers: PointerIds;
  private readonly nameByAddr = new NameByAddress();
  private readonly funcIds = new Map<number, Map<number, number>>();
  private readonly minLen: number;
  /** Stack frames' texts (kernel_stack records here, perf.data callchains in its decoder). */
  readonly frames: FrameTexts;

  constructor(
    private readonly layouts: EventLayouts,
    private readonly little: boolean,
    private readonly strings: ByteInterner,
    private readonly kallsyms: Kallsyms,
    /** undefined: the caller fills the comm column itself (perf.data: from its thread table, in delivery order). */
    private readonly comms: CommIds | undefined,
    /** sizeof(unsigned long) of the traced kernel (kernel_stack entries). */
    private readonly longSize = 8,
  ) {
    this.pointers = new PointerIds(strings);
    this.frames = new FrameTexts(strings, kallsyms);
    this.minLen = Math.max(layouts.typeOff + layouts.typeSize, layouts.flagsCommonOff + 1, layouts.pidOff + 4);
  }

  /** Appends record `s` to `out` if it is an event the replay uses; its row, or -1. */
  decode(s: RawRecord, out: BatchBuilder, input: number, warnings: Warnings, stats: DecodeStats): number {
    const lay = this.layouts, L = this.little;
    const v = s.view, r = s.rec, len = s.recLen, pos = s.pos;
    if (len < this.minLen) {
      warnings.add('unparsed-line', input, pos, `record of ${len} bytes is shorter than the common fields`);
      return -1;
    }
    const typeOff = lay.typeOff, typeSize = lay.typeSize;
    const type = typeSize === 2 ? v.getUint16(r + typeOff, L) : typeSize === 4 ? v.getUint32(r + typeOff, L) & 0xffff : v.getUint8(r + typeOff);
    const kind = lay.kind[type];
    if (kind < 0) {
      const unusable = lay.unusable.size ? lay.unusable.get(type) : undefined;
      // An event the replay needs, in a layout without a field it uses: skipped, counted, said where.
      if (unusable !== undefined) warnings.add('unknown-event', input, pos, `${unusable}: its format in this file lacks a field the replay needs`);
      else countOther(stats, s.ts);
      return -1;
    }
    const pid = v.getInt32(r + lay.pidOff, L);
    const i = out.push(kind, s.ts, s.cpu, pid, IRQ_OF_FLAGS[v.getUint8(r + lay.flagsCommonOff)], pos);
    if (this.comms) out.comm[i] = this.comms.commOf(pid);
    if (kind === EventKind.Stack) return this.stackFrames(s, out, i, type, input, warnings);
    let ok = true;
    const ao = lay.addrOff[type];
    if (ao >= 0) {
      if (ao + lay.addrSize[type] > len) ok = false;
      else out.addr[i] = this.pointer(v, r + ao, lay.addrSize[type]);
    }
    const so = lay.strOff[type];
    if (ok && so >= 0) {
      if (so + 4 > len) ok = false;
      else {
        const dl = v.getUint32(r + so, L);
        const off = dl & 0xffff;
        let end = off + (dl >>> 16);
        if (end > len) ok = false;
        else {
          while (end > off && s.buf[r + end - 1] === 0) end--;
          if (kind === EventKind.WqQueue) out.aux[i] = this.strings.intern(s.buf, r + off, r + end);
          else if (ao >= 0) out.name[i] = this.nameByAddr.intern(this.strings, out.addr[i], s.buf, r + off, r + end);
          else out.name[i] = this.strings.intern(s.buf, r + off, r + end);
        }
      }
    }
    const fo = lay.flagsOff[type];
    if (ok && fo >= 0) {
      if (fo + 4 > len) ok = false;
      else out.lockFlags[i] = v.getUint32(r + fo, L) & 3; // bit 0 try, bit 1 read (= LockFlags)
    }
    const fno = lay.funcOff[type];
    if (ok && fno >= 0) {
      if (fno + lay.funcSize[type] > len) ok = false;
      else if (lay.funcSize[type] === 8) out.name[i] = this.func(v.getUint32(r + fno + (L ? 4 : 0), L), v.getUint32(r + fno + (L ? 0 : 4), L));
      else out.name[i] = this.func(0, v.getUint32(r + fno, L));
    }
    const wpo = lay.wqPtrOff[type];
    if (ok && wpo >= 0) {
      if (wpo + lay.wqPtrSize[type] > len) ok = false;
      else out.aux[i] = this.pointer(v, r + wpo, lay.wqPtrSize[type]);
    }
    const bo = lay.bufOff[type];
    if (ok && bo >= 0) {
      if (bo > len) ok = false;
      else {
        // the text runs to the end of the record, NUL-padded; drop the write's trailing newline like the text views do
        let end = len;
        const b = s.buf;
        const nul = b.indexOf(0, r + bo);
        if (nul >= 0 && nul < r + end) end = nul - r;
        while (end > bo && (b[r + end - 1] === 0x0a || b[r + end - 1] === 0x20)) end--;
        out.name[i] = this.strings.intern(b, r + bo, r + end);
      }
    }
    const tpo = lay.taskPidOff[type];
    if (ok && tpo >= 0) {
      if (tpo + 4 > len) ok = false;
      else out.aux[i] = v.getInt32(r + tpo, L);
    }
    if (!ok) {
      out.length--;
      warnings.add('unparsed-line', input, pos, 'record shorter than its format says');
      return -1;
    }
    return i;
  }

  /**
   * kernel_stack (struct stack_entry: int size; unsigned long caller[size]): one
   * StackFrame row per return address, symbolized as %pS prints it from the
   * file's kallsyms (model/stackFrame.ts reads the text); the Stack row is out[i].
   */
  private stackFrames(s: RawRecord, out: BatchBuilder, i: number, type: number, input: number, warnings: Warnings): number {
    const lay = this.layouts, L = this.little, v = s.view, r = s.rec, len = s.recLen, ls = this.longSize;
    const so = lay.stackSizeOff[type], co = lay.stackCallerOff[type];
    if (so + 4 > len || co > len) {
      out.length--;
      warnings.add('unparsed-line', input, s.pos, 'kernel_stack record shorter than its format says');
      return -1;
    }
    out.stackRows++;
    const n = Math.min(v.getInt32(r + so, L), Math.floor((len - co) / ls));
    for (let k = 0; k < n; k++) {
      const at = r + co + k * ls;
      const hi = ls === 8 ? v.getUint32(at + (L ? 4 : 0), L) : 0;
      const lo = ls === 8 ? v.getUint32(at + (L ? 0 : 4), L) : v.getUint32(at, L);
      if ((hi === 0 && lo === 0) || (lo === 0xffffffff && (ls === 4 || hi === 0xffffffff))) break; // end markers of older kernels
      const f = out.push(EventKind.StackFrame, 0, 0, 0, 0, s.pos);
      out.name[f] = this.frames.kernel(hi, lo);
      out.stackRows++;
    }
    return i;
  }

  private pointer(v: DataView, at: number, size: number): number {
    const L = this.little;
    if (size === 8) return this.pointers.id(v.getUint32(at + (L ? 4 : 0), L), v.getUint32(at + (L ? 0 : 4), L));
    return this.pointers.id(0, v.getUint32(at, L));
  }

  /** A function pointer as %ps prints it: its kallsyms symbol, else the pointer. */
  private func(hi: number, lo: number): number {
    let m = this.funcIds.get(hi);
    if (!m) this.funcIds.set(hi, (m = new Map()));
    let id = m.get(lo);
    if (id === undefined) {
      const sym = this.kallsyms.lookup(hi, lo);
      id = sym === undefined ? this.pointers.id(hi, lo) : this.strings.internString(sym);
      m.set(lo, id);
    }
    return id;
  }
}
