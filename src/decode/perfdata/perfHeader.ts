/**
 * The start of a perf.data (tools/perf/Documentation/perf.data-file-format.txt):
 * file mode (struct perf_file_header: attrs, data and feature sections that
 * point around the file; the tracing data is a feature section after the
 * data) or pipe mode (a 16-byte header, then records only: attrs and tracing
 * data arrive as HEADER_ATTR / HEADER_TRACING_DATA records before the
 * samples). Both begin with the magic "PERFILE2" in the writer's byte order.
 */
import { InputError } from '../../model/inputError.ts';
import type { RandomAccess } from '../tracedat/randomAccess.ts';
import { ATTR_SIZE_VER0, readAttr, type PerfAttr } from './perfAttr.ts';
import { FILE_HEADER_BYTES, Feature, PIPE_HEADER_BYTES } from './perfAbi.ts';

export interface PerfDataHeader {
  pipe: boolean;
  little: boolean;
  /** File mode: the attrs with their ids; pipe mode: none yet. */
  attrs: PerfAttr[];
  /** Where the records are. */
  dataStart: number;
  dataEnd: number;
  /** File mode: the HEADER_TRACING_DATA section, if any. */
  tracing?: { offset: number; size: number };
  /** File mode: the kernel release the file was recorded on (HEADER_OSRELEASE). */
  osRelease?: string;
}

/** "PERFILE2" as written by a little-endian (LE) or a big-endian perf. */
const MAGIC_LE = 'PERFILE2', MAGIC_BE = '2ELIFREP';

/** True when `head` starts like a perf.data (file or pipe mode), by its magic. */
export function isPerfDataMagic(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const m = Buffer.from(head.buffer, head.byteOffset, 8).toString('latin1');
  return m === MAGIC_LE || m === MAGIC_BE;
}

export function readPerfDataHeader(file: RandomAccess): PerfDataHeader {
  const name = file.name;
  if (file.size < PIPE_HEADER_BYTES) throw new InputError(name, { byte: 0 }, `truncated perf.data: ${file.size} bytes, less than its header`);
  const h = file.read(Math.min(file.size, FILE_HEADER_BYTES), 0, 'perf.data header');
  const magic = h.toString('latin1', 0, 8);
  if (magic === 'PERFFILE') throw new InputError(name, { byte: 0 }, 'perf.data in the first (PERFFILE) layout, from perf before 2.6.38: not supported');
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) throw new InputError(name, { byte: 0 }, 'not a perf.data (bad magic)');
  const little = magic === MAGIC_LE;
  const v = new DataView(h.buffer, h.byteOffset, h.length);
  const u64 = (at: number): number => u64of(v, at, little);
  const size = u64(8);
  if (size === PIPE_HEADER_BYTES) return { pipe: true, little, attrs: [], dataStart: PIPE_HEADER_BYTES, dataEnd: file.size };
  if (size !== FILE_HEADER_BYTES) throw new InputError(name, { byte: 8 }, `corrupt perf.data: header size ${size} (${FILE_HEADER_BYTES} in file mode, ${PIPE_HEADER_BYTES} in pipe mode)`);
  if (h.length < FILE_HEADER_BYTES) throw new InputError(name, { byte: 0 }, `truncated perf.data: ${file.size} bytes, less than its ${FILE_HEADER_BYTES}-byte header`);
  const attrSize = u64(16);
  const attrsAt = u64(24), attrsSize = u64(32);
  const dataStart = u64(40), dataSize = u64(48);
  const section = (at: number, len: number, what: string): void => {
    if (at + len > file.size) throw new InputError(name, { byte: at }, `truncated perf.data: the ${what} section ends at byte ${at + len}, the file has ${file.size} bytes`);
  };
  section(attrsAt, attrsSize, 'attrs');
  if (dataSize === 0 && dataStart + 8 <= file.size) {
    throw new InputError(name, { byte: 40 }, 'perf.data was not finished: its header says 0 bytes of data (perf record killed before it wrote the header?)');
  }
  section(dataStart, dataSize, 'data');
  if (attrSize < ATTR_SIZE_VER0 + 16 || attrSize > 4096) throw new InputError(name, { byte: 16 }, `corrupt perf.data: attr size ${attrSize}`);
  if (attrsSize % attrSize !== 0) throw new InputError(name, { byte: 32 }, `corrupt perf.data: attrs section of ${attrsSize} bytes is not a whole number of ${attrSize}-byte attrs`);
  const attrs = readFileAttrs(file, attrsAt, attrsSize / attrSize, attrSize, little);
  const features = readFeatureTable(file, v, little, dataStart + dataSize);
  const tracing = features.get(Feature.TracingData);
  if (features.has(Feature.DirFormat)) {
    throw new InputError(name, { byte: 0 }, 'perf.data directory format (perf record --threads): not supported; convert it with perf inject -i DIR -o FILE');
  }
  const os = features.get(Feature.OsRelease);
  let osRelease: string | undefined;
  if (os && os.size >= 4 && os.size < 4096) {
    const b = file.read(os.size, os.offset, 'os release');
    const n = little ? b.readUInt32LE(0) : b.readUInt32BE(0);
    osRelease = b.toString('utf8', 4, Math.min(b.length, 4 + n)).replace(/\0.*$/s, '');
  }
  return { pipe: false, little, attrs, dataStart, dataEnd: dataStart + dataSize, tracing, osRelease };
}

function readFileAttrs(file: RandomAccess, at: number, n: number, attrSize: number, little: boolean): PerfAttr[] {
  const b = file.read(n * attrSize, at, 'attrs');
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const attrs: PerfAttr[] = [];
  for (let k = 0; k < n; k++) {
    const a = readAttr(v, k * attrSize, little, k);
    // each attr is followed by the file section of its ids (u64 offset, u64 size)
    const s = k * attrSize + attrSize - 16;
    const idsAt = u64of(v, s, little), idsSize = u64of(v, s + 8, little);
    if (idsSize % 8 !== 0 || idsAt + idsSize > file.size || idsSize > 1 << 24) {
      throw new InputError(file.name, { byte: at + s }, `corrupt perf.data: ids of attr ${k} (${idsSize} bytes at byte ${idsAt})`);
    }
    const ids = file.read(idsSize, idsAt, 'attr ids');
    const iv = new DataView(ids.buffer, ids.byteOffset, ids.length);
    for (let i = 0; i < idsSize; i += 8) a.ids.push(u64of(iv, i, little));
    attrs.push(a);
  }
  return attrs;
}

/** The feature sections (one u64 offset + u64 size per set bit, in bit order, right after the data). */
function readFeatureTable(file: RandomAccess, header: DataView, little: boolean, at: number): Map<number, { offset: number; size: number }> {
  const bits: number[] = [];
  for (let w = 0; w < 4; w++) {
    const lo = header.getUint32(72 + w * 8 + (little ? 0 : 4), little), hi = header.getUint32(72 + w * 8 + (little ? 4 : 0), little);
    for (let b = 0; b < 32; b++) if (lo & (1 << b)) bits.push(w * 64 + b);
    for (let b = 0; b < 32; b++) if (hi & (1 << b)) bits.push(w * 64 + 32 + b);
  }
  const out = new Map<number, { offset: number; size: number }>();
  if (bits.length === 0) return out;
  if (at + bits.length * 16 > file.size) {
    throw new InputError(file.name, { byte: at }, `truncated perf.data: its ${bits.length} feature sections are listed at byte ${at}, the file has ${file.size} bytes`);
  }
  const t = file.read(bits.length * 16, at, 'feature sections');
  const v = new DataView(t.buffer, t.byteOffset, t.length);
  bits.forEach((bit, k) => {
    const offset = u64of(v, k * 16, little), size = u64of(v, k * 16 + 8, little);
    if (offset + size > file.size) {
      throw new InputError(file.name, { byte: at + k * 16 }, `truncated perf.data: feature ${bit} ends at byte ${offset + size}, the file has ${file.size} bytes`);
    }
    out.set(bit, { offset, size });
  });
  return out;
}

/** A u64 size or offset; past 2^53 it cannot be one, and becomes a value no file reaches. */
export function u64of(v: DataView, at: number, little: boolean): number {
  const lo = v.getUint32(at + (little ? 0 : 4), little), hi = v.getUint32(at + (little ? 4 : 0), little);
  return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
}
