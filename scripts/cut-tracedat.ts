/**
 * Cuts a small trace.dat out of a large one, for test fixtures and fuzz seeds:
 * the ring-buffer pages of one buffer instance whose time span meets the given
 * windows, and the kallsyms section reduced to the symbols those pages' records
 * look up (kernel_stack frames, workqueue functions), each with the symbol after
 * it, so that `func+0xoff/0xsize` (%pS, kallsyms_lookup_size_offset()) and %ps
 * resolve exactly as in the whole file. Pages are copied byte for byte; every
 * other section is kept as it is, except that other instances' CPU data is
 * dropped (size 0) and offsets are moved.
 *
 * Input: a trace.dat v6 without compression (trace-cmd.dat.v6(5)); make one with
 *   trace-cmd convert -i IN.dat --file-version 6 --compression none -o IN.v6.dat
 *
 *   node --import tsx scripts/cut-tracedat.ts IN.v6.dat --list [--instance NAME]
 *       page index and start time of each CPU's pages
 *   node --import tsx scripts/cut-tracedat.ts IN.v6.dat OUT.dat --instance NAME --window FROM-TO [--window FROM-TO ...] [--flag-gaps]
 *       FROM/TO in seconds as trace-cmd report prints them; a page is kept when
 *       [its timestamp, the next page's timestamp) meets a window. --flag-gaps: the
 *       first kept page after dropped ones gets RB_MISSED_EVENTS in its commit word,
 *       so readers see the gap as lost events (trace-cmd report: "CPU:N [EVENTS DROPPED]")
 *       instead of joining held-lock state across it
 *
 * The metadata is read with the decoder's own modules (src/decode/tracedat/), and the
 * referenced addresses are the ones its RecordDecoder asks kallsyms for.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInput } from '../src/io/openInput.ts';
import { RandomAccess } from '../src/decode/tracedat/randomAccess.ts';
import { Cursor } from '../src/decode/tracedat/cursor.ts';
import { readTraceDatMeta, readTracingPreamble, readTracingSections } from '../src/decode/tracedat/traceDatMeta.ts';
import type { PageHeaderLayout } from '../src/decode/tracedat/eventFormat.ts';
import { Kallsyms } from '../src/decode/tracedat/kallsyms.ts';
import { EventLayouts } from '../src/decode/tracedat/eventLayouts.ts';
import { RecordDecoder } from '../src/decode/tracedat/recordDecoder.ts';
import { parseSavedCmdlines, SavedCmdlineComms } from '../src/decode/tracedat/savedCmdlines.ts';
import { CpuMerge, MergeItem } from '../src/decode/tracedat/cpuMerge.ts';
import { CpuRingBuffer } from '../src/decode/tracedat/cpuRingBuffer.ts';
import { FrameSink } from '../src/decode/frameSink.ts';

// option IDs (trace-cmd.dat.v6(5))
const OPT_BUFFER = 3;
/** ring_buffer.c: the commit word's flag for events lost before this page. */
const RB_MISSED_EVENTS = 0x80000000;

interface CpuEntry { offset: number; size: number }
interface Table {
  /** Offset of its "flyrecord\0" label, or of the table itself when it has none. */
  at: number;
  labelled: boolean;
  cpus: CpuEntry[];
  /** The trace clock written after the table by trace-cmd 3.x (u64 size + text), verbatim; empty when absent. */
  clock: Buffer;
}
interface Option { id: number; data: Buffer; bufferName?: string; bufferOffset?: number }

/** Everything of a v6 file the cut rewrites, with the offsets it needs. */
interface V6Layout {
  little: boolean;
  /** header_page: where a page's commit word is (its bit 31 is RB_MISSED_EVENTS). */
  page: PageHeaderLayout;
  pageSize: number;
  kallsyms: Buffer;
  kallsymsAt: number;
  /** End of the kallsyms section = start of the printk formats. */
  kallsymsEnd: number;
  /** Just after the "options  \0" label (everything from kallsymsEnd up to here is copied). */
  optionsAt: number;
  options: Option[];
  top: Table;
  /** Named instances' tables, by the offset their BUFFER options give. */
  named: Map<number, Table>;
}

/** The trace clock after a CPU table, if there is one: a u64 length and that many printable bytes (e.g. "[local]"). */
function readClock(file: RandomAccess, at: number, little: boolean): Buffer {
  if (at + 8 > file.size) return Buffer.alloc(0);
  const head = file.read(8, at, 'clock size');
  const n = little ? Number(head.readBigUInt64LE(0)) : Number(head.readBigUInt64BE(0));
  if (n <= 0 || n > 4096 || at + 8 + n > file.size) return Buffer.alloc(0);
  const text = file.read(n, at + 8, 'clock');
  return text.every((b) => b >= 0x20 && b < 0x7f) ? Buffer.concat([head, text]) : Buffer.alloc(0);
}

function readTable(file: RandomAccess, at: number, ncpu: number, little: boolean): Table {
  const c = new Cursor(file, little, at);
  // trace-cmd writes "flyrecord\0" before an instance's table too
  const labelled = file.read(Math.min(10, file.size - at), at, 'buffer label').toString('latin1') === 'flyrecord\0';
  if (labelled) c.pos += 10;
  const cpus: CpuEntry[] = [];
  for (let i = 0; i < ncpu; i++) cpus.push({ offset: c.u64('cpu data offset'), size: c.u64('cpu data size') });
  return { at, labelled, cpus, clock: readClock(file, c.pos, little) };
}

function readLayout(file: RandomAccess): V6Layout {
  const pre = readTracingPreamble(file, 0);
  if (pre.versionText !== '6') throw new Error(`${file.name}: trace.dat v${pre.versionText}; convert it first: trace-cmd convert --file-version 6 --compression none`);
  const c = pre.cursor;
  const s = readTracingSections(file, c, true);
  const kallsymsEnd = s.kallsymsAt + 4 + s.kallsyms.length;
  const ncpu = c.u32('cpu count');
  let label = c.bytes(10, 'data label').toString('latin1');
  const optionsAt = c.pos;
  const options: Option[] = [];
  if (label === 'options  \0') {
    for (;;) {
      const id = c.u16('option id');
      if (id === 0) break;
      const data = c.bytes(c.u32('option size'), 'option');
      const o: Option = { id, data };
      if (id === OPT_BUFFER) {
        o.bufferOffset = Number(pre.little ? data.readBigUInt64LE(0) : data.readBigUInt64BE(0));
        o.bufferName = data.toString('latin1', 8, data.indexOf(0, 8));
      }
      options.push(o);
    }
    label = c.bytes(10, 'data label').toString('latin1');
  } else {
    throw new Error(`${file.name}: no options section (a trace.dat without buffer instances needs no cut of this kind)`);
  }
  if (label !== 'flyrecord\0') throw new Error(`${file.name}: "flyrecord" expected at byte ${c.pos - 10}`);
  const top = readTable(file, c.pos - 10, ncpu, pre.little);
  const named = new Map<number, Table>();
  for (const o of options) if (o.bufferOffset !== undefined && !named.has(o.bufferOffset)) named.set(o.bufferOffset, readTable(file, o.bufferOffset, ncpu, pre.little));
  return { little: pre.little, page: s.page, pageSize: pre.pageSize, kallsyms: s.kallsyms, kallsymsAt: s.kallsymsAt, kallsymsEnd, optionsAt, options, top, named };
}

/** The table of instance `name` ("" = top level). */
function tableOf(l: V6Layout, name: string): Table {
  if (name === '') return l.top;
  const o = l.options.find((x) => x.bufferName === name);
  if (!o) throw new Error(`no buffer instance ${JSON.stringify(name)} (have: ${l.options.filter((x) => x.bufferName !== undefined).map((x) => JSON.stringify(x.bufferName)).join(', ')})`);
  return l.named.get(o.bufferOffset!)!;
}

/** Start time (ns) of each page of one CPU: the page header's u64 time stamp (ring_buffer.c: buffer_data_page). */
function pageTimes(file: RandomAccess, cpu: CpuEntry, pageSize: number, little: boolean): number[] {
  const out: number[] = [];
  for (let k = 0; k * pageSize < cpu.size; k++) {
    const b = file.read(8, cpu.offset + k * pageSize, 'page time stamp');
    out.push(Number(little ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0)));
  }
  return out;
}

const seconds = (ns: number) => (ns / 1e9).toFixed(6);

/** Pages of each CPU whose span [ts_k, ts_k+1) meets a window [from, to] (ns). */
function pagesIn(times: number[], windows: [number, number][]): number[] {
  const keep: number[] = [];
  for (let k = 0; k < times.length; k++) {
    const a = times[k], b = k + 1 < times.length ? times[k + 1] : Infinity;
    if (windows.some(([from, to]) => from < b && to >= a)) keep.push(k);
  }
  return keep;
}

function writer(little: boolean) {
  const parts: Buffer[] = [];
  let size = 0;
  const put = (b: Buffer) => {
    parts.push(b);
    size += b.length;
  };
  const int = (n: number, bytes: 2 | 4 | 8) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 2) little ? b.writeUInt16LE(n) : b.writeUInt16BE(n);
    else if (bytes === 4) little ? b.writeUInt32LE(n) : b.writeUInt32BE(n);
    else little ? b.writeBigUInt64LE(BigInt(n)) : b.writeBigUInt64BE(BigInt(n));
    put(b);
    return b;
  };
  return { put, int, get size() { return size; }, done: () => Buffer.concat(parts, size) };
}

/**
 * The cut file: the original up to the kallsyms section, `kallsyms` instead of it, the original again up to
 * the options, the options with BUFFER offsets moved, the CPU tables (the kept instance's pointing at its
 * kept pages, every other instance's empty), then the pages, page-aligned as trace-cmd writes them.
 */
function buildCut(file: RandomAccess, l: V6Layout, keepTable: Table, keep: number[][], kallsyms: Buffer, flagGaps: boolean): Buffer {
  const w = writer(l.little);
  w.put(file.read(l.kallsymsAt, 0, 'head'));
  w.int(kallsyms.length, 4);
  w.put(kallsyms);
  w.put(file.read(l.optionsAt - l.kallsymsEnd, l.kallsymsEnd, 'printk, cmdlines, cpu count'));
  const bufferOffsets: { field: Buffer; table: Table }[] = [];
  for (const o of l.options) {
    w.int(o.id, 2);
    w.int(o.data.length, 4);
    const data = Buffer.from(o.data);
    w.put(data);
    if (o.bufferOffset !== undefined) bufferOffsets.push({ field: data, table: l.named.get(o.bufferOffset)! });
  }
  w.int(0, 2);
  const tableFields = new Map<Table, Buffer[]>();
  const table = (t: Table) => {
    const at = w.size;
    if (t.labelled || t === l.top) w.put(Buffer.from('flyrecord\0', 'latin1'));
    const fields: Buffer[] = [];
    for (let i = 0; i < t.cpus.length; i++) fields.push(w.int(0, 8), w.int(0, 8));
    w.put(t.clock);
    tableFields.set(t, fields);
    return at;
  };
  table(l.top);
  const newAt = new Map<Table, number>();
  for (const t of l.named.values()) newAt.set(t, table(t));
  for (const { field, table: t } of bufferOffsets) l.little ? field.writeBigUInt64LE(BigInt(newAt.get(t)!)) : field.writeBigUInt64BE(BigInt(newAt.get(t)!));
  const pad = (l.pageSize - (w.size % l.pageSize)) % l.pageSize;
  w.put(Buffer.alloc(pad));
  const fields = tableFields.get(keepTable)!;
  keepTable.cpus.forEach((cpu, i) => {
    const offset = w.size;
    keep[i].forEach((k, j) => {
      const page = file.read(l.pageSize, cpu.offset + k * l.pageSize, 'page');
      // Pages dropped before this one: say so as the kernel does for overwritten pages (ring_buffer.c:
      // rb_get_reader_page() / ring_buffer_read_page() set RB_MISSED_EVENTS in the commit word, no count).
      if (flagGaps && j > 0 && keep[i][j - 1] !== k - 1) {
        const c = l.page.commitOffset;
        if (l.little) page.writeUInt32LE((page.readUInt32LE(c) | RB_MISSED_EVENTS) >>> 0, c);
        else page.writeUInt32BE((page.readUInt32BE(c + l.page.commitSize - 4) | RB_MISSED_EVENTS) >>> 0, c + l.page.commitSize - 4);
      }
      w.put(page);
    });
    const put64 = (b: Buffer, n: number) => (l.little ? b.writeBigUInt64LE(BigInt(n)) : b.writeBigUInt64BE(BigInt(n)));
    put64(fields[2 * i], keep[i].length ? offset : 0);
    put64(fields[2 * i + 1], keep[i].length * l.pageSize);
  });
  return w.done();
}

/** Kallsyms that notes every address the record decoder looks up (%ps of workqueue functions, %pS of stack frames). */
class RecordingKallsyms extends Kallsyms {
  readonly asked = new Set<bigint>();
  override lookup(hi: number, lo: number): string | undefined {
    this.asked.add((BigInt(hi) << 32n) | BigInt(lo));
    return super.lookup(hi, lo);
  }
  override frameText(hi: number, lo: number): string | undefined {
    this.asked.add((BigInt(hi) << 32n) | BigInt(lo));
    return super.frameText(hi, lo);
  }
}

/** Decodes every record of instance `name` in `path` as TraceDatDecoder does; the addresses kallsyms was asked for. */
async function referencedAddresses(path: string, name: string): Promise<Set<bigint>> {
  const file = await RandomAccess.open(await openInput(path));
  try {
    const meta = readTraceDatMeta(file);
    const inst = meta.instances.find((b) => b.name === name)!;
    const sink = new FrameSink(0, 65536);
    const kallsyms = new RecordingKallsyms(meta.kallsyms);
    const records = new RecordDecoder(new EventLayouts(meta.formats), meta.little, sink.strings, kallsyms,
      new SavedCmdlineComms(sink.strings, parseSavedCmdlines(meta.cmdlines)), meta.longSize);
    const merge = new CpuMerge([...inst.cpus].sort((a, b) => a.cpu - b.cpu).map((c) => new CpuRingBuffer(file, meta, c.cpu, c, inst.pageSize, inst.compressed)));
    while (merge.next()) {
      if (merge.item === MergeItem.Record) records.decode(merge.stream!, sink.out, 0, sink.warnings, sink.stats);
      if (sink.out.length >= 60000) sink.flush(undefined);
    }
    return kallsyms.asked;
  } finally {
    file.close();
  }
}

/**
 * The lines of `text` (a /proc/kallsyms) that resolve `addresses` as the whole does: for each address, the
 * symbol(s) at the highest address at or below it and those at the next higher address (its end), in the
 * original order (the decoder and libtraceevent sort stably, so aliases keep their order).
 */
function reduceKallsyms(text: Buffer, addresses: Set<bigint>): { kept: Buffer; lines: number; of: number } {
  const lines: { addr: bigint; start: number; end: number }[] = [];
  for (let p = 0; p < text.length; ) {
    let e = text.indexOf(0x0a, p);
    if (e < 0) e = text.length;
    const m = /^([0-9a-fA-F]{1,16}) \S+ \S/.exec(text.toString('latin1', p, Math.min(e, p + 40)));
    // address 0 (kptr_restrict) names nothing, as in Kallsyms.parseLine()
    if (m && BigInt('0x' + m[1]) !== 0n) lines.push({ addr: BigInt('0x' + m[1]), start: p, end: e + 1 });
    p = e + 1;
  }
  const sorted = lines.map((x, i) => ({ ...x, i })).sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : a.i - b.i));
  const keepAddr = new Set<bigint>();
  for (const x of addresses) {
    let lo = 0, hi = sorted.length - 1, k = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m].addr <= x) (k = m), (lo = m + 1);
      else hi = m - 1;
    }
    if (k < 0) continue;
    keepAddr.add(sorted[k].addr);
    let n = k + 1;
    while (n < sorted.length && sorted[n].addr === sorted[k].addr) n++;
    if (n < sorted.length) keepAddr.add(sorted[n].addr);
  }
  const kept = lines.filter((x) => keepAddr.has(x.addr));
  return { kept: Buffer.concat(kept.map((x) => text.subarray(x.start, x.end))), lines: kept.length, of: lines.length };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const [inPath, outPath] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (!inPath) throw new Error('usage: cut-tracedat.ts IN.v6.dat (--list | OUT.dat --instance NAME --window FROM-TO ...)');
  const name = arg('--instance') ?? '';
  const file = await RandomAccess.open(await openInput(inPath));
  try {
    const l = readLayout(file);
    const t = tableOf(l, name);
    const times = t.cpus.map((c) => pageTimes(file, c, l.pageSize, l.little));
    if (process.argv.includes('--list')) {
      times.forEach((ts, cpu) => ts.forEach((x, k) => console.log(`cpu ${cpu} page ${k} ${seconds(x)}`)));
      return;
    }
    if (!outPath) throw new Error('no output file');
    const windows: [number, number][] = [];
    process.argv.forEach((a, i) => {
      if (a !== '--window') return;
      const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(process.argv[i + 1] ?? '');
      if (!m) throw new Error(`--window FROM-TO (seconds), not ${process.argv[i + 1]}`);
      windows.push([Math.round(Number(m[1]) * 1e9), Math.round(Number(m[2]) * 1e9)]);
    });
    if (!windows.length) throw new Error('no --window');
    const keep = times.map((ts) => pagesIn(ts, windows));
    const flagGaps = process.argv.includes('--flag-gaps');
    // 1. the pages with the whole kallsyms, decoded to learn which addresses they name; 2. the same with those symbols only
    const dir = mkdtempSync(join(tmpdir(), 'cut-tracedat-'));
    let asked: Set<bigint>;
    try {
      const whole = join(dir, 'whole-kallsyms.dat');
      writeFileSync(whole, buildCut(file, l, t, keep, l.kallsyms, flagGaps));
      asked = await referencedAddresses(whole, name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const reduced = reduceKallsyms(l.kallsyms, asked);
    const out = buildCut(file, l, t, keep, reduced.kept, flagGaps);
    writeFileSync(outPath, out);
    keep.forEach((ks, cpu) => console.log(`cpu ${cpu}: pages ${ks.join(', ')} (of ${times[cpu].length}), starting ${ks.map((k) => seconds(times[cpu][k])).join(', ')}`));
    console.log(`kallsyms: ${reduced.lines} of ${reduced.of} lines (${reduced.kept.length} of ${l.kallsyms.length} bytes) for ${asked.size} addresses looked up`);
    console.log(`${outPath}: ${out.length} bytes`);
  } finally {
    file.close();
  }
}

await main();
