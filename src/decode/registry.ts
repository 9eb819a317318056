/**
 * Which decoder reads which detected format. Every decoder turns an opened
 * input into DecodedFrames (columnar batches with decoder-local string IDs) in
 * input order; the pipeline does the rest. Adding a format = one file under
 * src/decode/<format>/ and one entry here.
 */
import type { FormatDecoder } from './decodeContext.ts';
import type { TraceFormat } from './detectFormat.ts';
import { decodeFtraceText } from './ftrace/decodeFtraceText.ts';
import { decodeTraceDat } from './tracedat/decodeTraceDat.ts';
import { decodePerfScript } from './perf/decodePerfScript.ts';
import { decodePerfJson } from './perf/decodePerfJson.ts';
import { decodePerfData } from './perfdata/decodePerfData.ts';

export const DECODERS: Partial<Record<TraceFormat, FormatDecoder>> = {
  ftrace: decodeFtraceText,
  'trace-cmd-report': decodeFtraceText,
  'trace-dat': decodeTraceDat,
  'perf-script': decodePerfScript,
  'perf-json': decodePerfJson,
  'perf-data': decodePerfData,
};
