/**
 * The perf.data ABI numbers lockreplay reads (include/uapi/linux/perf_event.h,
 * tools/perf/util/event.h, tools/perf/util/header.h). Enums, so the bundle
 * inlines them in the per-record path.
 */

/** perf_event_header.type: kernel records, then perf's own (user) records from 64 on. */
export enum RecordType {
  Mmap = 1,
  Lost = 2,
  Comm = 3,
  Exit = 4,
  Fork = 7,
  Sample = 9,
  Mmap2 = 10,
  Aux = 11,
  LostSamples = 13,
  HeaderAttr = 64,
  HeaderEventType = 65,
  HeaderTracingData = 66,
  HeaderBuildId = 67,
  FinishedRound = 68,
  IdIndex = 69,
  AuxtraceInfo = 70,
  Auxtrace = 71,
  HeaderFeature = 80,
  Compressed = 81,
  FinishedInit = 82,
}

/** perf_event_attr.sample_type bits. */
export enum SampleBit {
  Ip = 1 << 0,
  Tid = 1 << 1,
  Time = 1 << 2,
  Addr = 1 << 3,
  Read = 1 << 4,
  Callchain = 1 << 5,
  Id = 1 << 6,
  Cpu = 1 << 7,
  Period = 1 << 8,
  StreamId = 1 << 9,
  Raw = 1 << 10,
  Identifier = 1 << 16,
}

/** perf_event_attr.read_format bits. */
export enum ReadFormat {
  TotalTimeEnabled = 1,
  TotalTimeRunning = 2,
  Id = 4,
  Group = 8,
  Lost = 16,
}

/** perf_event_attr.type values. */
export const PERF_TYPE_TRACEPOINT = 2;

/** The feature bits of the file header (HEADER_*), as far as lockreplay reads them. */
export enum Feature {
  TracingData = 1,
  OsRelease = 4,
  /** perf record --threads: the data is in a directory of per-thread files. */
  DirFormat = 24,
  Compressed = 27,
}

/** PERF_RECORD_MISC_COMM_EXEC in a COMM record's misc. */
export const MISC_COMM_EXEC = 1 << 13;

/** perf_event_header: u32 type, u16 misc, u16 size. */
export const RECORD_HEADER_BYTES = 8;
/** The file-mode header (struct perf_file_header) and the pipe-mode one (struct perf_pipe_file_header). */
export const FILE_HEADER_BYTES = 104;
export const PIPE_HEADER_BYTES = 16;
