/**
 * The metadata of a trace.dat (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)):
 * initial header, ring-buffer page layout, event formats, kallsyms, saved
 * cmdlines and, per buffer instance, where each CPU's ring-buffer pages are.
 * v6 stores these one after another; v7 stores them in sections that the
 * options sections point to, optionally compressed.
 */
import { InputError } from '../../model/inputError.ts';
import { Cursor } from './cursor.ts';
import { decompressorFor, type Decompress } from './decompress.ts';
import { parseEventFormat, parseHeaderPage, type EventFormat, type PageHeaderLayout } from './eventFormat.ts';
import type { RandomAccess } from './randomAccess.ts';

export interface CpuData {
  cpu: number;
  /** File offset of the CPU's pages (v7 compressed: of its chunk list). */
  offset: number;
  /** Bytes in the file at `offset`. */
  size: number;
}

export interface BufferInstance {
  /** "" = the top-level buffer. */
  name: string;
  pageSize: number;
  cpus: CpuData[];
  /** Its pages are stored as compressed chunks (v7). */
  compressed: boolean;
}

export interface TraceDatMeta {
  version: number;
  little: boolean;
  /** Bytes per long of the recording user space. */
  longSize: number;
  page: PageHeaderLayout;
  formats: EventFormat[];
  kallsyms?: Buffer;
  cmdlines?: Buffer;
  instances: BufferInstance[];
  /** Set when the file's sections/chunks are compressed. */
  decompress?: Decompress;
}

// option IDs (trace-cmd.dat.v7(5))
const OPT_DONE = 0, OPT_BUFFER = 3, OPT_HEADER_INFO = 16, OPT_FTRACE_EVENTS = 17, OPT_EVENT_FORMATS = 18;
const OPT_KALLSYMS = 19, OPT_CMDLINES = 21;
const SECTION_COMPRESSED = 1;

export function readTraceDatMeta(file: RandomAccess): TraceDatMeta {
  const { versionText, little, longSize, pageSize, cursor: c } = readTracingPreamble(file, 0);
  const version = Number(versionText);
  if (version !== 6 && version !== 7) throw new InputError(file.name, { byte: 10 }, `trace.dat version "${versionText}" is not supported (6 and 7 are)`);
  return version === 6 ? readV6(file, c, little, longSize, pageSize) : readV7(file, c, longSize);
}

/** The start shared by a trace.dat and perf.data's tracing data (trace-event-read.c): magic, version, endianness, long size, page size. */
export interface TracingPreamble {
  versionText: string;
  little: boolean;
  longSize: number;
  pageSize: number;
  /** Positioned after the page size. */
  cursor: Cursor;
}

export function readTracingPreamble(file: RandomAccess, at: number): TracingPreamble {
  const name = file.name;
  const head = file.read(Math.min(Math.max(0, file.size - at), 10), at, 'magic');
  if (head.length < 10 || head[0] !== 0x17 || head[1] !== 0x08 || head[2] !== 0x44 || head.toString('latin1', 3, 10) !== 'tracing') {
    throw new InputError(name, { byte: at }, file.label === 'trace.dat' ? 'not a trace.dat (bad magic)' : `corrupt ${file.label}: tracing data without its "tracing" magic`);
  }
  const c0 = new Cursor(file, true, at + 10);
  const versionText = c0.cstr('version string', 16);
  const endianAt = c0.pos;
  const endian = c0.u8('endianness');
  if (endian > 1) throw new InputError(name, { byte: endianAt }, `corrupt ${file.label}: endianness byte ${endian}`);
  const c = new Cursor(file, endian === 0, c0.pos);
  const longAt = c.pos;
  const longSize = c.u8('long size');
  if (longSize !== 4 && longSize !== 8) throw new InputError(name, { byte: longAt }, `corrupt ${file.label}: long size ${longSize}`);
  const pageAt = c.pos;
  const pageSize = c.u32('page size');
  if (pageSize < 64 || pageSize > 1 << 24) throw new InputError(name, { byte: pageAt }, `corrupt ${file.label}: page size ${pageSize}`);
  return { versionText, little: endian === 0, longSize, pageSize, cursor: c };
}

/**
 * What trace.dat v6 and perf's tracing data (HEADER_TRACING_DATA) store one after another after the preamble:
 * page and event headers, ftrace and event formats, kallsyms, printk formats, saved cmdlines (perf's
 * version "0.5" had none).
 */
export interface TracingSections {
  page: PageHeaderLayout;
  formats: EventFormat[];
  kallsyms: Buffer;
  /** Offset of the kallsyms section's u32 size word (scripts/cut-tracedat.ts rewrites the section there). */
  kallsymsAt: number;
  cmdlines?: Buffer;
}

export function readTracingSections(file: RandomAccess, c: Cursor, withCmdlines: boolean): TracingSections {
  const page = readHeaders(file, c);
  const formats: EventFormat[] = [];
  readFtraceFormats(c, formats);
  readEventFormats(c, formats);
  const kallsymsAt = c.at;
  const kallsyms = c.bytes(c.u32('kallsyms size'), 'kallsyms');
  c.bytes(c.u32('printk size'), 'printk formats');
  const cmdlines = withCmdlines ? c.bytes(c.u64('cmdlines size'), 'cmdlines') : undefined;
  return { page, formats, kallsyms, kallsymsAt, cmdlines };
}

function readHeaders(file: RandomAccess, c: Cursor): PageHeaderLayout {
  const at = c.at;
  if (c.cstr('header_page label', 16) !== 'header_page') throw new InputError(file.name, { byte: at }, `corrupt ${file.label}: "header_page" expected`);
  const pageText = c.bytes(c.u64('header_page size'), 'header_page').toString('utf8');
  const at2 = c.at;
  if (c.cstr('header_event label', 16) !== 'header_event') throw new InputError(file.name, { byte: at2 }, `corrupt ${file.label}: "header_event" expected`);
  c.bytes(c.u64('header_event size'), 'header_event'); // the 5/27-bit event header; fixed since 2.6.x
  const page = parseHeaderPage(pageText);
  if (!page) throw new InputError(file.name, { byte: at }, `corrupt ${file.label}: header_page has no commit/data fields`);
  return page;
}

function readFtraceFormats(c: Cursor, out: EventFormat[]): void {
  const n = c.u32('ftrace format count');
  for (let i = 0; i < n; i++) {
    const f = parseEventFormat('ftrace', c.bytes(c.u64('ftrace format size'), 'ftrace format').toString('utf8'));
    if (f) out.push(f);
  }
}

function readEventFormats(c: Cursor, out: EventFormat[]): void {
  const systems = c.u32('event system count');
  for (let s = 0; s < systems; s++) {
    const system = c.cstr('event system name');
    const n = c.u32('event format count');
    for (let i = 0; i < n; i++) {
      const f = parseEventFormat(system, c.bytes(c.u64('event format size'), 'event format').toString('utf8'));
      if (f) out.push(f);
    }
  }
}

function readV6(file: RandomAccess, c: Cursor, little: boolean, longSize: number, pageSize: number): TraceDatMeta {
  const { page, formats, kallsyms, cmdlines } = readTracingSections(file, c, true);
  const ncpu = c.u32('cpu count');
  if (ncpu > 65535) throw new InputError(file.name, { byte: c.at - 4 }, `corrupt trace.dat: ${ncpu} CPUs`);
  let labelAt = c.at;
  let label = c.bytes(10, 'data label').toString('latin1');
  const named: { name: string; offset: number; optAt: number }[] = [];
  if (label === 'options  \0') {
    for (;;) {
      const id = c.u16('option id');
      if (id === OPT_DONE) break;
      const size = c.u32('option size');
      const optAt = c.at;
      const data = c.bytes(size, 'option');
      if (id === OPT_BUFFER) {
        const oc = new Cursor(file, c.little, 0, data, optAt);
        const offset = oc.u64('buffer offset');
        named.push({ name: oc.cstr('buffer name'), offset, optAt });
      }
    }
    labelAt = c.at;
    label = c.bytes(10, 'data label').toString('latin1');
  }
  if (label === 'latency  \0') throw new InputError(file.name, { byte: labelAt }, 'latency-tracer trace.dat (text data) cannot be replayed; record events with trace-cmd record -e');
  if (label !== 'flyrecord\0') throw new InputError(file.name, { byte: labelAt }, 'corrupt trace.dat: "flyrecord" expected');
  const readCpus = (cc: Cursor): CpuData[] => {
    const cpus: CpuData[] = [];
    for (let i = 0; i < ncpu; i++) cpus.push({ cpu: i, offset: cc.u64('cpu data offset'), size: cc.u64('cpu data size') });
    return cpus;
  };
  const instances: BufferInstance[] = [{ name: '', pageSize, cpus: readCpus(c), compressed: false }];
  for (const b of named) {
    // trace-cmd's handle_options() seeks to this offset; one past the end is damage, said at the option
    if (b.offset >= file.size) throw new InputError(file.name, { byte: b.optAt }, `corrupt trace.dat: buffer ${JSON.stringify(b.name)} says its CPU table is at byte ${b.offset}, the file has ${file.size}`);
    const bc = new Cursor(file, c.little, b.offset);
    // An instance's CPU table may repeat the "flyrecord" label.
    if (file.read(Math.min(10, file.size - b.offset), b.offset, 'buffer label').toString('latin1') === 'flyrecord\0') bc.pos += 10;
    instances.push({ name: b.name, pageSize, cpus: readCpus(bc), compressed: false });
  }
  return { version: 6, little, longSize, page, formats, kallsyms, cmdlines, instances };
}

function readV7(file: RandomAccess, c: Cursor, longSize: number): TraceDatMeta {
  const algorithm = c.cstr('compression name', 64);
  c.cstr('compression version', 64);
  const decompress = algorithm === 'none' ? undefined : decompressorFor(file.name, algorithm);
  let optionsAt = c.u64('first options offset');

  /** Opens the section at `at`: a cursor over its (decompressed) body. */
  const section = (at: number, wantId: number): Cursor => {
    const h = new Cursor(file, c.little, at);
    const id = h.u16('section id');
    const flags = h.u16('section flags');
    h.u32('section description');
    const size = h.u64('section size');
    if (id !== wantId) throw new InputError(file.name, { byte: at }, `corrupt trace.dat: section ${wantId} expected, found ${id}`);
    if (!(flags & SECTION_COMPRESSED)) {
      if (h.pos + size > file.size) throw new InputError(file.name, { byte: at }, `truncated trace.dat: section ${id} needs ${size} bytes at byte ${h.pos}, file has ${file.size}`);
      return h;
    }
    if (!decompress) throw new InputError(file.name, { byte: at }, 'corrupt trace.dat: compressed section in an uncompressed file');
    const csize = h.u32('compressed size');
    const usize = h.u32('uncompressed size');
    const body = decompress(h.bytes(csize, 'compressed section'), usize, at);
    return new Cursor(file, c.little, 0, body, at);
  };

  let page: PageHeaderLayout | undefined;
  const formats: EventFormat[] = [];
  let kallsyms: Buffer | undefined, cmdlines: Buffer | undefined;
  const instances: BufferInstance[] = [];
  const seen = new Set<number>();
  while (optionsAt !== 0) {
    if (seen.has(optionsAt)) throw new InputError(file.name, { byte: optionsAt }, 'corrupt trace.dat: options sections form a loop');
    seen.add(optionsAt);
    const o = section(optionsAt, 0);
    optionsAt = 0;
    for (;;) {
      const id = o.u16('option id');
      const size = o.u32('option size');
      const optAt = o.at;
      const data = o.bytes(size, 'option');
      const oc = new Cursor(file, c.little, 0, data, optAt);
      if (id === OPT_DONE) {
        optionsAt = oc.u64('next options offset');
        break;
      }
      switch (id) {
        case OPT_HEADER_INFO: page = readHeaders(file, section(oc.u64('header info offset'), 16)); break;
        case OPT_FTRACE_EVENTS: readFtraceFormats(section(oc.u64('ftrace formats offset'), 17), formats); break;
        case OPT_EVENT_FORMATS: readEventFormats(section(oc.u64('event formats offset'), 18), formats); break;
        case OPT_KALLSYMS: { const s = section(oc.u64('kallsyms offset'), 19); kallsyms = s.bytes(s.u32('kallsyms size'), 'kallsyms'); break; }
        case OPT_CMDLINES: { const s = section(oc.u64('cmdlines offset'), 21); cmdlines = s.bytes(s.u64('cmdlines size'), 'cmdlines'); break; }
        case OPT_BUFFER: {
          const secAt = oc.u64('buffer section offset');
          const name = oc.cstr('buffer name');
          oc.cstr('buffer clock');
          const pageSize = oc.u32('buffer page size');
          const n = oc.u32('buffer cpu count');
          const cpus: CpuData[] = [];
          for (let i = 0; i < n; i++) cpus.push({ cpu: oc.u32('cpu id'), offset: oc.u64('cpu data offset'), size: oc.u64('cpu data size') });
          // The flyrecord section's own flags say whether its pages are chunk-compressed.
          const sh = new Cursor(file, c.little, secAt);
          sh.u16('buffer section id');
          const flags = sh.u16('buffer section flags');
          instances.push({ name, pageSize, cpus, compressed: (flags & SECTION_COMPRESSED) !== 0 && decompress !== undefined });
          break;
        }
      }
    }
  }
  if (!page) throw new InputError(file.name, { byte: 0 }, 'corrupt trace.dat: no header info section');
  return { version: 7, little: c.little, longSize, page, formats, kallsyms, cmdlines, instances, decompress };
}
