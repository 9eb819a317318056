/**
 * Format detection by content, never by file name (a file renamed `unknown`
 * decodes the same). Each format's sniffer looks at the first decompressed
 * bytes; the first that matches wins.
 */
import { isPerfDataMagic } from './perfdata/perfHeader.ts';

export type TraceFormat = 'ftrace' | 'trace-cmd-report' | 'trace-dat' | 'perf-data' | 'perf-script' | 'perf-json' | 'lockdep' | 'graph';

export interface Detection {
  format: TraceFormat;
  /** trace-cmd report with buffer-instance prefixes */
  instanceMode?: boolean;
  /** first instance seen (trace-cmd report) */
  firstInstance?: string;
  /** every instance seen in the first lines (trace-cmd report), for error messages */
  instances?: string[];
}

export const FORMATS_TRIED = 'ftrace text (trace, trace_pipe), trace-cmd report text, trace-cmd trace.dat, perf.data, perf script text, perf JSON, /proc/lockdep, lockreplay graph';

const FTRACE_EVENT = /^\s*(.+)-(\d+)\s+(\(\s*[\d-]+\)\s+)?\[\d+\]\s+([dDbX.][^\s]{3,4}\s+)?\d+(\.\d+)?:\s+\w+:/;
const TRACE_CMD_EVENT = /^\s*(\S*):\s+(.+)-(\d+)\s+\[\d+\]\s+\d+(\.\d+)?:\s+\w+:/;
const TRACE_CMD_LATENCY = /^\s*(.+)-(\d+)\s+\d+[dX.][N.][Hhs.]\S*\s+\d+(\.\d+)?:\s+\w+:/;
const PERF_SCRIPT = /^\s*(.+?)\s+(\d+\/)?(\d+)\s+\[\d+\]\s+\d+\.\d+:\s+(\d+\s+)?\w+:\w+:/;

export function detectFormat(head: Uint8Array): Detection | undefined {
  if (head.length >= 10 && head[0] === 0x17 && head[1] === 0x08 && head[2] === 0x44 && Buffer.from(head.subarray(3, 10)).toString('latin1') === 'tracing') {
    return { format: 'trace-dat' };
  }
  // perf.data, file or pipe mode, written little- or big-endian
  if (isPerfDataMagic(head)) return { format: 'perf-data' };
  const text = Buffer.from(head).toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    if (/"schema"\s*:\s*"lockreplay\/graph@/.test(trimmed.slice(0, 4096))) return { format: 'graph' };
    // perf's converter writes this key first; any other JSON is not perf's.
    if (/^\{\s*"linux-perf-json-version"\s*:/.test(trimmed)) return { format: 'perf-json' };
    return undefined;
  }
  if (/^all lock classes:/m.test(text.slice(0, 4096))) return { format: 'lockdep' };
  const lines = text.split('\n');
  if (text.length === head.length && lines.length > 1) lines.pop(); // last line may be cut
  let ftrace = 0, tcmd = 0, tcmdLat = 0, perf = 0, headerish = 0;
  let firstInstance: string | undefined;
  const instances = new Set<string>();
  for (const l of lines.slice(0, 400)) {
    if (l.startsWith('#') || /^cpus=\d+/.test(l) || /^CPU:\d+ \[/.test(l.trim())) {
      headerish++;
      continue;
    }
    const t = TRACE_CMD_EVENT.exec(l);
    if (t && /^\s*\S*:\s{2,}/.test(l)) {
      tcmd++;
      firstInstance ??= t[1];
      instances.add(t[1]);
      continue;
    }
    if (FTRACE_EVENT.test(l)) ftrace++;
    else if (TRACE_CMD_LATENCY.test(l)) tcmdLat++;
    else if (PERF_SCRIPT.test(l)) perf++;
  }
  if (tcmd > 0 && tcmd >= ftrace) return { format: 'trace-cmd-report', instanceMode: true, firstInstance, instances: [...instances] };
  // `trace-cmd report` of a trace without instances prints ftrace's line layout after its `cpus=N` header
  // (older trace-cmd prints `version = 6` and `CPU N is empty` lines before it); ftrace text has no such line.
  const reportHeader = lines.slice(0, 64).some((l) => /^cpus=\d+/.test(l));
  if (ftrace > 0 || tcmdLat > 0) return { format: ftrace >= tcmdLat && !reportHeader ? 'ftrace' : 'trace-cmd-report' };
  if (perf > 0) return { format: 'perf-script' };
  if (headerish > 0 && lines.every((l) => l.startsWith('#') || l.trim() === '' || /^cpus=/.test(l))) return { format: 'ftrace' };
  return undefined;
}

/** Files people hand lockreplay that are not a trace it replays (src/decode/unrecognisedInput.ts says what to run). */
export type OtherFile = 'lock-stat' | 'dmesg-lockdep' | 'dmesg' | 'html' | 'json' | 'binary';

const LOCKDEP_SPLAT = /(WARNING: possible (circular|recursive) locking dependency detected|WARNING: inconsistent lock state|WARNING: possible irq lock inversion dependency detected|WARNING: (HARDIRQ|SOFTIRQ)-safe -> (HARDIRQ|SOFTIRQ)-unsafe lock order detected|BUG: (MAX_LOCK_DEPTH|MAX_LOCKDEP_\w+) too low)/;
const DMESG_LINE = /^(<\d+>)?\[\s*\d+\.\d+\] /m;

/** What a file detectFormat() did not recognise is, when it is something known; undefined otherwise. */
export function identifyOtherFile(head: Uint8Array): OtherFile | undefined {
  const text = Buffer.from(head).toString('latin1');
  if (/^lock_stat version \d/.test(text)) return 'lock-stat';
  if (DMESG_LINE.test(text.slice(0, 4096))) return LOCKDEP_SPLAT.test(text) ? 'dmesg-lockdep' : 'dmesg';
  if (LOCKDEP_SPLAT.test(text)) return 'dmesg-lockdep';
  const t = text.trimStart().slice(0, 512).toLowerCase();
  if (t.startsWith('<!doctype html') || t.startsWith('<html')) return 'html';
  if (t.startsWith('{') || t.startsWith('[')) return 'json';
  let ctl = 0;
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) if (head[i] === 0 || (head[i] < 0x20 && head[i] !== 0x0a && head[i] !== 0x0d && head[i] !== 0x09)) ctl++;
  return n && ctl > n / 100 ? 'binary' : undefined;
}

/**
 * Android systrace / catapult HTML: the trace is the text of a `<script class="trace-data">` element
 * (src/io/embeddedTrace.ts extracts it), wherever in the page it sits.
 */
export function isSystraceHtml(head: Uint8Array): boolean {
  const t = Buffer.from(head.subarray(0, 4096)).toString('latin1').trimStart().toLowerCase();
  return (t.startsWith('<!doctype html') || t.startsWith('<html')) && /trace-data|systrace|trace-viewer|tracing\.js|catapult/i.test(Buffer.from(head).toString('latin1'));
}
