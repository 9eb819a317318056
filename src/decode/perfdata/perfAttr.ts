/**
 * One event's perf_event_attr, as far as the sample layout goes: sample_type
 * decides which fields a PERF_RECORD_SAMPLE carries (in the fixed order of
 * perf_output_sample()) and, with sample_id_all, which trailer every other
 * record carries (the sample_id of __perf_event_header__init_id()). Offsets
 * are precomputed per attr where they are fixed; READ (its group form) and
 * CALLCHAIN are sized by the record itself.
 */
import { ReadFormat, SampleBit } from './perfAbi.ts';

export interface PerfAttr {
  /** Position in the file's attr list (messages). */
  index: number;
  type: number;
  config: number;
  sampleType: number;
  readFormat: number;
  sampleIdAll: boolean;
  /** The attr's ids (u64, as hi/lo pairs) that its records carry in ID/IDENTIFIER. */
  ids: number[];
}

/** Byte offsets in struct perf_event_attr. */
const ATTR_TYPE = 0, ATTR_SIZE = 4, ATTR_CONFIG = 8, ATTR_SAMPLE_TYPE = 24, ATTR_READ_FORMAT = 32, ATTR_FLAGS = 40;
/** Bytes of the first published attr (PERF_ATTR_SIZE_VER0); everything read here lies inside it. */
export const ATTR_SIZE_VER0 = 64;
/** sample_id_all: bit 18 of the flags word. */
const SAMPLE_ID_ALL = 1 << 18;

/** Reads the fields lockreplay needs from attr bytes at `at` (at least ATTR_SIZE_VER0 of them). */
export function readAttr(v: DataView, at: number, little: boolean, index: number): PerfAttr {
  // sample_type and read_format bits used here all fit in the low 32 bits
  return {
    index,
    type: v.getUint32(at + ATTR_TYPE, little),
    config: v.getUint32(at + ATTR_CONFIG + (little ? 0 : 4), little),
    sampleType: v.getUint32(at + ATTR_SAMPLE_TYPE + (little ? 0 : 4), little),
    readFormat: v.getUint32(at + ATTR_READ_FORMAT + (little ? 0 : 4), little),
    sampleIdAll: (v.getUint32(at + ATTR_FLAGS + (little ? 0 : 4), little) & SAMPLE_ID_ALL) !== 0,
    ids: [],
  };
}

/** The attr's own size field (struct perf_event_attr grows; perf writes its size). */
export function attrSizeOf(v: DataView, at: number, little: boolean): number {
  return v.getUint32(at + ATTR_SIZE, little);
}

/** Bytes of the READ field of a sample for this read_format, given the group's member count. */
export function readFieldBytes(readFormat: number, members: number): number {
  const times = (readFormat & ReadFormat.TotalTimeEnabled ? 8 : 0) + (readFormat & ReadFormat.TotalTimeRunning ? 8 : 0);
  const perValue = 8 + (readFormat & ReadFormat.Id ? 8 : 0) + (readFormat & ReadFormat.Lost ? 8 : 0);
  return readFormat & ReadFormat.Group ? 8 + times + members * perValue : perValue + times;
}

/**
 * Where a sample's id is (bytes after the record header), the same for every attr of a valid file
 * (perf's evsel->id_pos): -1 when the samples carry none.
 */
export function sampleIdOffset(sampleType: number): number {
  if (sampleType & SampleBit.Identifier) return 0;
  if (!(sampleType & SampleBit.Id)) return -1;
  let off = 0;
  for (const b of [SampleBit.Ip, SampleBit.Tid, SampleBit.Time, SampleBit.Addr]) if (sampleType & b) off += 8;
  return off;
}

/**
 * Where a non-sample record's id is, counted back from the record's end (perf's evsel->is_pos):
 * -1 when there is none.
 */
export function trailerIdFromEnd(sampleType: number): number {
  if (sampleType & SampleBit.Identifier) return 8;
  if (!(sampleType & SampleBit.Id)) return -1;
  return 8 + (sampleType & SampleBit.Cpu ? 8 : 0) + (sampleType & SampleBit.StreamId ? 8 : 0);
}

/**
 * Fixed offsets (bytes after the record header) of what lockreplay reads in a PERF_RECORD_SAMPLE of this
 * attr, -1 when absent. Everything up to PERIOD sits at a fixed place; READ (in its group form) and
 * CALLCHAIN are sized by the record, then RAW follows.
 */
export interface SampleLayout {
  tid: number;
  time: number;
  cpu: number;
  /** Where READ, CALLCHAIN and RAW start (after the fixed fields). */
  fixedEnd: number;
  /** READ bytes when fixed; -1 for the group form (sized by its member count); 0 without READ. */
  read: number;
  callchain: boolean;
  raw: boolean;
}

export function sampleLayout(a: PerfAttr): SampleLayout {
  const t = a.sampleType;
  const at = fieldOffsets(t);
  at(SampleBit.Identifier);
  at(SampleBit.Ip);
  const tid = at(SampleBit.Tid);
  const time = at(SampleBit.Time);
  at(SampleBit.Addr);
  at(SampleBit.Id);
  at(SampleBit.StreamId);
  const cpu = at(SampleBit.Cpu);
  at(SampleBit.Period);
  const read = !(t & SampleBit.Read) ? 0 : a.readFormat & ReadFormat.Group ? -1 : readFieldBytes(a.readFormat, 1);
  return { tid, time, cpu, fixedEnd: at(0), read, callchain: (t & SampleBit.Callchain) !== 0, raw: (t & SampleBit.Raw) !== 0 };
}

/** Offsets inside the sample_id trailer of a non-sample record (from the trailer's start), -1 when absent. */
export interface TrailerLayout {
  bytes: number;
  tid: number;
  time: number;
  cpu: number;
}

export function trailerLayout(a: PerfAttr): TrailerLayout {
  if (!a.sampleIdAll) return { bytes: 0, tid: -1, time: -1, cpu: -1 };
  const at = fieldOffsets(a.sampleType);
  const tid = at(SampleBit.Tid);
  const time = at(SampleBit.Time);
  at(SampleBit.Id);
  at(SampleBit.StreamId);
  const cpu = at(SampleBit.Cpu);
  at(SampleBit.Identifier);
  return { bytes: at(0), tid, time, cpu };
}

/**
 * Lays out u64 fields in the order asked: each call with a bit present in `sampleType` takes the next 8
 * bytes and returns their offset, -1 when absent; a call with 0 returns the offset reached.
 */
function fieldOffsets(sampleType: number): (bit: number) => number {
  let off = 0;
  return (bit) => {
    if (bit === 0) return off;
    if (!(sampleType & bit)) return -1;
    off += 8;
    return off - 8;
  };
}
