/**
 * Registry entry for trace-cmd's binary trace.dat (versions 6 and 7): reads
 * the metadata, picks one buffer instance, and merges its per-CPU ring-buffer
 * streams by timestamp (ties: lower CPU first; never reordering within a CPU,
 * as trace-cmd report does) into columnar batches.
 *
 * Field values are formatted the way trace-cmd report prints them, so the
 * replay sees the same tokens from either: pointers as 0x<lowercase hex>,
 * functions via the file's kallsyms, comms from its saved cmdlines.
 * `pos` is the byte offset of the record in the (decompressed) file; inside a
 * compressed v7 chunk it is the offset of the chunk (records in a chunk have
 * no file offset of their own).
 */
import { BatchBuilder } from '../../model/batch.ts';
import { ByteInterner } from '../../model/byteInterner.ts';
import { EventKind, IrqBits } from '../../model/eventKind.ts';
import { InputError } from '../../model/inputError.ts';
import { emptyStats, type DecodedFrame, type DecodeStats } from '../decoder.ts';
import type { DecodeContext } from '../registry.ts';
import { Warnings } from '../warnings.ts';
import { CpuRingBuffer } from './cpuRingBuffer.ts';
import { EventLayouts } from './eventLayouts.ts';
import { Kallsyms } from './kallsyms.ts';
import { RandomAccess } from './randomAccess.ts';
import { parseSavedCmdlines, UNKNOWN_COMM } from './savedCmdlines.ts';
import { readTraceDatMeta, type BufferInstance } from './traceDatMeta.ts';

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

/** Events per batch at the default 4 MiB frame: ~64K; smaller frames give smaller batches. */
export function eventsPerFrame(frameBytes: number): number {
  return Math.max(1, Math.min(65536, Math.floor(frameBytes / 64)));
}

export function describeInstances(instances: BufferInstance[]): string {
  return `instances: ${instances.map((b) => `${JSON.stringify(b.name)} (${b.cpus.length} cpus)`).join(', ')}`;
}

export async function* decodeTraceDat(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  const file = await RandomAccess.open(ctx.input);
  try {
    yield* decodeFile(ctx, file);
  } finally {
    file.close();
  }
}

function* decodeFile(ctx: DecodeContext, file: RandomAccess): Generator<DecodedFrame> {
  const meta = readTraceDatMeta(file);
  ctx.summary.positions = 'byte';
  ctx.summary.notes.push(`trace.dat v${meta.version}`);
  ctx.summary.notes.push(describeInstances(meta.instances));
  let inst: BufferInstance | undefined;
  if (ctx.instance !== undefined) {
    inst = meta.instances.find((b) => b.name === ctx.instance);
    if (!inst) throw new InputError(file.name, undefined, `no buffer instance ${JSON.stringify(ctx.instance)} (${describeInstances(meta.instances)})`);
  } else {
    inst = meta.instances.find((b) => b.cpus.some((c) => c.size > 0)) ?? meta.instances[0];
  }
  ctx.summary.instance = inst?.name ?? '';
  ctx.summary.bytes = file.size;
  if (!inst) return;

  const input = ctx.index;
  const layouts = new EventLayouts(meta.formats);
  const kallsyms = new Kallsyms(meta.kallsyms);
  const cmdlines = parseSavedCmdlines(meta.cmdlines);
  const strings = new ByteInterner();
  const perFrame = eventsPerFrame(ctx.frameBytes);
  const out = new BatchBuilder(Math.min(perFrame, 65536));
  let warnings = new Warnings();
  let stats: DecodeStats = emptyStats();
  let seq = 0;
  if (layouts.missing.length) warnings.add('unknown-event', input, 0, `formats without the expected fields: ${layouts.missing.join(', ')}`);

  const streams: CpuRingBuffer[] = [];
  for (const c of [...inst.cpus].sort((a, b) => a.cpu - b.cpu)) {
    const s = new CpuRingBuffer(file, meta, c.cpu, c, inst.pageSize, inst.compressed);
    if (s.advance()) streams.push(s);
  }

  // scratch for formatting pointers as "0x<hex>"
  const hexBuf = new Uint8Array(18);
  const HEX = Buffer.from('0123456789abcdef');
  hexBuf[0] = 0x30;
  hexBuf[1] = 0x78;
  const internPtr = (hi: number, lo: number): number => {
    let n = 2;
    let started = false;
    for (let k = 28; k >= 0; k -= 4) {
      const d = (hi >>> k) & 15;
      if (d || started) {
        hexBuf[n++] = HEX[d];
        started = true;
      }
    }
    for (let k = 28; k >= 0; k -= 4) {
      const d = (lo >>> k) & 15;
      if (d || started || k === 0) {
        hexBuf[n++] = HEX[d];
        started = true;
      }
    }
    return strings.intern(hexBuf, 0, n);
  };
  const funcIds = new Map<number, Map<number, number>>();
  const internFunc = (hi: number, lo: number): number => {
    let m = funcIds.get(hi);
    if (!m) funcIds.set(hi, (m = new Map()));
    let id = m.get(lo);
    if (id === undefined) {
      const sym = kallsyms.lookup(hi, lo);
      id = sym === undefined ? internPtr(hi, lo) : strings.internString(sym);
      m.set(lo, id);
    }
    return id;
  };
  const commIds = new Map<number, number>();
  const commOf = (pid: number): number => {
    let id = commIds.get(pid);
    if (id === undefined) commIds.set(pid, (id = strings.internString(cmdlines.get(pid) ?? UNKNOWN_COMM)));
    return id;
  };

  const L = meta.little;
  const { kind: kindOf, addrOff, addrSize, strOff, flagsOff, funcOff, funcSize, bufOff, wqPtrOff, wqPtrSize } = layouts;
  const typeOff = layouts.typeOff, typeSize = layouts.typeSize, flagsCommonOff = layouts.flagsCommonOff, pidOff = layouts.pidOff;
  const minLen = Math.max(typeOff + typeSize, flagsCommonOff + 1, pidOff + 4);

  const flush = (): DecodedFrame => {
    const { from, strings: texts } = strings.takeNew();
    const f: DecodedFrame = { batch: out.finish(seq++, input, from, texts), stats, warnings: warnings.serialize() };
    warnings = new Warnings();
    stats = emptyStats();
    return f;
  };

  while (streams.length > 0) {
    // the CPU with the smallest timestamp; ties go to the lower CPU (streams are in CPU order)
    let si = 0;
    for (let k = 1; k < streams.length; k++) if (streams[k].ts < streams[si].ts) si = k;
    const s = streams[si];
    const cpu = s.cpu, ts = s.ts;
    if (s.lost >= 0) {
      out.aux[out.push(EventKind.Lost, ts, cpu, -1, 0, s.lostPos)] = s.lost;
      s.lost = -1;
    }
    const v = s.view, r = s.rec, len = s.recLen, pos = s.pos;
    if (len < minLen) {
      warnings.add('unparsed-line', input, pos, `record of ${len} bytes is shorter than the common fields`);
    } else {
      const type = typeSize === 2 ? v.getUint16(r + typeOff, L) : typeSize === 4 ? v.getUint32(r + typeOff, L) & 0xffff : v.getUint8(r + typeOff);
      const kind = kindOf[type];
      if (kind < 0) {
        stats.otherEvents++;
      } else {
        const pid = v.getInt32(r + pidOff, L);
        const i = out.push(kind, ts, cpu, pid, IRQ_OF_FLAGS[v.getUint8(r + flagsCommonOff)], pos);
        out.comm[i] = commOf(pid);
        let ok = true;
        const ao = addrOff[type];
        if (ao >= 0) {
          if (ao + addrSize[type] > len) ok = false;
          else if (addrSize[type] === 8) out.addr[i] = internPtr(v.getUint32(r + ao + (L ? 4 : 0), L), v.getUint32(r + ao + (L ? 0 : 4), L));
          else out.addr[i] = internPtr(0, v.getUint32(r + ao, L));
        }
        const so = strOff[type];
        if (ok && so >= 0) {
          if (so + 4 > len) ok = false;
          else {
            const dl = v.getUint32(r + so, L);
            const off = dl & 0xffff;
            let end = off + (dl >>> 16);
            if (end > len) ok = false;
            else {
              while (end > off && s.buf[r + end - 1] === 0) end--;
              const id = strings.intern(s.buf, r + off, r + end);
              if (kind === EventKind.WqQueue) out.aux[i] = id;
              else out.name[i] = id;
            }
          }
        }
        const fo = flagsOff[type];
        if (ok && fo >= 0) {
          if (fo + 4 > len) ok = false;
          else out.lockFlags[i] = v.getUint32(r + fo, L) & 3; // bit 0 try, bit 1 read (= LockFlags)
        }
        const fno = funcOff[type];
        if (ok && fno >= 0) {
          if (fno + funcSize[type] > len) ok = false;
          else if (funcSize[type] === 8) out.name[i] = internFunc(v.getUint32(r + fno + (L ? 4 : 0), L), v.getUint32(r + fno + (L ? 0 : 4), L));
          else out.name[i] = internFunc(0, v.getUint32(r + fno, L));
        }
        const wpo = wqPtrOff[type];
        if (ok && wpo >= 0) {
          if (wpo + wqPtrSize[type] > len) ok = false;
          else if (wqPtrSize[type] === 8) out.aux[i] = internPtr(v.getUint32(r + wpo + (L ? 4 : 0), L), v.getUint32(r + wpo + (L ? 0 : 4), L));
          else out.aux[i] = internPtr(0, v.getUint32(r + wpo, L));
        }
        const bo = bufOff[type];
        if (ok && bo >= 0) {
          if (bo > len) ok = false;
          else {
            // the text runs to the end of the record, NUL-padded; drop the write's trailing newline like the text views do
            let end = len;
            const b = s.buf;
            const nul = b.indexOf(0, r + bo);
            if (nul >= 0 && nul < r + end) end = nul - r;
            while (end > bo && (b[r + end - 1] === 0x0a || b[r + end - 1] === 0x20)) end--;
            out.name[i] = strings.intern(b, r + bo, r + end);
          }
        }
        if (!ok) {
          out.length--;
          warnings.add('unparsed-line', input, pos, 'record shorter than its format says');
        }
      }
    }
    if (!s.advance()) streams.splice(si, 1);
    if (out.length >= perFrame) yield flush();
  }
  if (out.length > 0 || seq === 0 || warnings.counts.size > 0 || stats.otherEvents > 0) yield flush();
}
