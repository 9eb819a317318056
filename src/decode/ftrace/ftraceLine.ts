/**
 * One line of ftrace-style text into one event, byte by byte. Covers:
 *  - the kernel's `trace` / `trace_pipe` (trace_print_context(): "%16s-%-7d",
 *    optional "(%7d)" tgid, "[%03d]", 5- or 4-character flags or none, " %5lu.%06lu: ")
 *  - `trace-cmd report` ("%16s-%-5d [%03d] %6.1000d: name:<pad>"), with the
 *    `instance: ` prefix of a buffer instance, and its `-l` latency form
 *    ("%8.8s-%-5d %3d" + libtraceevent latency flags, no CPU brackets)
 * The line is parsed from the timestamp leftwards, so comms with spaces,
 * dashes, brackets or colons do not confuse it.
 */
import { IrqBits } from '../../model/eventKind.ts';
import { ascii, isDigit, parseUint, parseTimestampNs, skipSpaces, startsWith, trimEnd } from './bytes.ts';

// Module-local copies of the byte and irq-bit constants: this code runs for
// every line, and V8 reads an imported binding (or a property of an imported
// object) on every use instead of folding it to a constant.
const SP = 0x20, TAB = 0x09, DASH = 0x2d, COLON = 0x3a, DOT = 0x2e, HASH = 0x23;
const LBRACK = 0x5b, RBRACK = 0x5d, LPAREN = 0x28, RPAREN = 0x29;
const HARDIRQ = IrqBits.Hardirq, SOFTIRQ = IrqBits.Softirq, NMI = IrqBits.Nmi, IRQS_OFF = IrqBits.IrqsOff;
const BH_OFF = IrqBits.BhOff, NO_FLAGS = IrqBits.NoFlags, NO_BH_INFO = IrqBits.NoBhInfo;

const BUFFER_STARTED = ascii('##### CPU ');
const VERSION = ascii('version = ');
const CPU_SP = ascii('CPU ');
const IS_EMPTY = ascii(' is empty');
const ARROW = ascii(' -> ');
const FROM_PARENT = ascii(' <-');
const PRINT = ascii('print');
const MARK_WRITE = ascii('tracing_mark_write:');
const CPU_COLON = ascii('CPU:');
const LOST = ascii('LOST ');
const EVENTS = ascii('EVENTS');
/** The stack entry ftrace prints after an event with options/stacktrace or a stacktrace trigger (trace_stack_print()). */
const STACK_TRACE = ascii('<stack trace>');
const USER_STACK_TRACE = ascii('<user stack trace>');

/** What a parsed line is (LineFields.type). */
export const LineType = {
  Event: 0,
  /** comments, blank lines, trace-cmd report's "cpus=N", "version = 6", "CPU N is empty" */
  Header: 1,
  Lost: 2,
  BufferStarted: 3,
  /**
   * An event of a tracer whose print format has no "name:" (a trace line's context and timestamp, then
   * the syscall tracer's "sys_x(args)" / "sys_x -> 0x0" or the function tracer's "f <-parent"): an other event.
   */
  OtherTracer: 4,
  /** ftrace's `<stack trace>` entry after an event (options/stacktrace, a stacktrace trigger) */
  StackTrace: 5,
  /** `<user stack trace>` (options/userstacktrace) */
  UserStackTrace: 6,
  Unparsed: -1,
} as const;

/** What a parsed line says; fields are written into this reusable record. */
export interface LineFields {
  /** a LineType */
  type: number;
  commStart: number;
  commEnd: number;
  instStart: number;
  instEnd: number;
  pid: number;
  cpu: number;
  irq: number;
  tsNs: number;
  nameStart: number;
  nameEnd: number;
  bodyStart: number;
  lostCount: number;
}

export function newLineFields(): LineFields {
  // tsNs starts as a double (NaN): nanosecond timestamps are past the small-integer range, and a
  // field that changes representation later deoptimizes the code that reads these records.
  return { type: 0, commStart: 0, commEnd: 0, instStart: 0, instEnd: 0, pid: 0, cpu: 0, irq: 0, tsNs: NaN, nameStart: 0, nameEnd: 0, bodyStart: 0, lostCount: 0 };
}

/** Parses [s, e) (no newline). `instanceMode`: lines may carry trace-cmd's "name: " prefix. */
export function parseFtraceLine(b: Uint8Array, s: number, e: number, instanceMode: boolean, f: LineFields): void {
  let i = skipSpaces(b, s, e);
  e = trimEnd(b, i, e);
  f.instStart = f.instEnd = 0;
  if (i >= e) return void (f.type = 1);
  if (b[i] === HASH) {
    if (startsWith(b, i, e, BUFFER_STARTED)) {
      let k = i + BUFFER_STARTED.length, c = 0, nd = 0;
      while (k < e && isDigit(b[k])) (c = c * 10 + b[k++] - 0x30), nd++;
      if (nd > 0) {
        f.cpu = c;
        f.type = 3;
        return;
      }
    }
    return void (f.type = 1);
  }
  if (instanceMode) {
    // "name: " prefix (blank name for the top-level buffer); the lost-event line may carry it too.
    const k = findInstancePrefix(b, i, e);
    if (k >= 0) {
      f.instStart = i;
      f.instEnd = k;
      i = skipSpaces(b, k + 1, e);
    }
  }
  if (startsWith(b, i, e, CPU_COLON)) return parseLost(b, i + CPU_COLON.length, e, f);
  if (isReportHeader(b, i, e)) return void (f.type = LineType.Header);
  if (e - i >= 5 && b[i] === 0x63 && b[i + 1] === 0x70 && b[i + 2] === 0x75 && b[i + 3] === 0x73 && b[i + 4] === 0x3d) {
    return void (f.type = 1); // trace-cmd report's "cpus=N"
  }
  // Candidate timestamps: a token of digits[.digits] followed by ": ".
  for (let q = i; q < e - 1; q++) {
    if (b[q] !== COLON || b[q + 1] !== SP) continue;
    let t0 = q;
    while (t0 > i && (isDigit(b[t0 - 1]) || b[t0 - 1] === DOT)) t0--;
    if (t0 === q || (t0 > i && b[t0 - 1] !== SP && b[t0 - 1] !== TAB)) continue;
    const ts = parseTimestampNs(b, t0, q);
    if (ts < 0) continue;
    if (!parseContext(b, i, t0, f)) continue;
    f.tsNs = ts;
    // event name up to the next ':'
    const ns = skipSpaces(b, q + 1, e);
    if (b[ns] === 0x3c) {
      if (startsWith(b, ns, e, STACK_TRACE)) return void (f.type = LineType.StackTrace);
      if (startsWith(b, ns, e, USER_STACK_TRACE)) return void (f.type = LineType.UserStackTrace);
    }
    let ne = ns;
    while (ne < e && b[ne] !== COLON && b[ne] !== SP) ne++;
    if (ne === ns || ne >= e || b[ne] !== COLON) {
      f.type = ne > ns && (startsWith(b, ne, e, ARROW) || startsWith(b, ne, e, FROM_PARENT)) ? LineType.OtherTracer : LineType.Unparsed;
      return;
    }
    f.nameStart = ns;
    f.nameEnd = ne;
    f.bodyStart = ne + 1;
    f.type = 0;
    return;
  }
  f.type = -1;
}

/** Older `trace-cmd report` header lines: "version = 6", "CPU 1 is empty". */
function isReportHeader(b: Uint8Array, i: number, e: number): boolean {
  if (startsWith(b, i, e, VERSION)) {
    let k = i + VERSION.length;
    while (k < e && isDigit(b[k])) k++;
    return k === e && k > i + VERSION.length;
  }
  if (!startsWith(b, i, e, CPU_SP)) return false;
  let k = i + CPU_SP.length;
  const d = k;
  while (k < e && isDigit(b[k])) k++;
  return k > d && e - k === IS_EMPTY.length && startsWith(b, k, e, IS_EMPTY);
}

/** The ftrace `print` event (trace_marker writes and trace_printk() as trace-cmd report names them). */
export function isPrintEvent(b: Uint8Array, s: number, e: number): boolean {
  return e - s === PRINT.length && startsWith(b, s, e, PRINT);
}

/**
 * Where the text of a `print` event's body [s, e) begins when it is a trace_marker write
 * ("tracing_mark_write: TEXT": the event's ip printed with %ps), else -1 (a trace_printk()).
 */
export function markerTextAt(b: Uint8Array, s: number, e: number): number {
  s = skipSpaces(b, s, e);
  return startsWith(b, s, e, MARK_WRITE) ? s + MARK_WRITE.length : -1;
}

/** Index of the ':' ending a trace-cmd instance prefix at i, or -1. */
function findInstancePrefix(b: Uint8Array, i: number, e: number): number {
  // "lr: " or the blank-padded ": " of the unnamed buffer; the name has no spaces.
  let k = i;
  while (k < e && b[k] !== SP && b[k] !== COLON) k++;
  if (k < e - 1 && b[k] === COLON && b[k + 1] === SP) return k;
  return -1;
}

function parseLost(b: Uint8Array, i: number, e: number, f: LineFields): void {
  // CPU:%d [LOST %lu EVENTS] | CPU:%d [LOST EVENTS] | CPU:%d [%lld EVENTS DROPPED] | CPU:%d [EVENTS DROPPED]
  let k = i, c = 0, nd = 0;
  while (k < e && isDigit(b[k])) (c = c * 10 + b[k++] - 0x30), nd++;
  if (nd === 0) return void (f.type = -1);
  k = skipSpaces(b, k, e);
  if (b[k] !== LBRACK) return void (f.type = -1);
  k++;
  if (startsWith(b, k, e, LOST)) k += LOST.length;
  let n = 0, nn = 0;
  while (k < e && isDigit(b[k])) (n = n * 10 + b[k++] - 0x30), nn++;
  k = skipSpaces(b, k, e);
  if (!startsWith(b, k, e, EVENTS)) return void (f.type = -1);
  f.cpu = c;
  f.lostCount = nn ? n : 0;
  f.type = 2;
}

/**
 * Parses "comm-pid [(tgid)] [cpu] [flags]" or the latency form
 * "comm-pid cpuFLAGS" in [i, end) from the right.
 */
export function parseContext(b: Uint8Array, i: number, end: number, f: LineFields): boolean {
  let j = trimEnd(b, i, end);
  let t0 = tokenStart(b, i, j);
  let irq: number = NO_FLAGS;
  let cpu = -1;
  // optional ftrace flags column
  if (b[t0] !== LBRACK && (j - t0 === 5 || j - t0 === 4)) {
    const fl = parseFlags(b, t0, j);
    if (fl < 0) return false;
    irq = fl;
    j = trimEnd(b, i, t0);
    t0 = tokenStart(b, i, j);
  }
  if (b[t0] === LBRACK && b[j - 1] === RBRACK) {
    cpu = parseUint(b, t0 + 1, j - 1);
    if (cpu < 0) return false;
  } else if (irq === NO_FLAGS && isDigit(b[t0])) {
    // trace-cmd -l: "%3d" CPU immediately followed by libtraceevent's latency string
    let k = t0, c = 0;
    while (k < j && isDigit(b[k])) c = c * 10 + (b[k++] - 0x30);
    if (k === j) return false;
    const fl = parseLatencyFlags(b, k, j);
    if (fl < 0) return false;
    cpu = c;
    irq = fl;
  } else {
    return false;
  }
  j = trimEnd(b, i, t0);
  // optional "(tgid)" or "(-------)"
  if (j > i && b[j - 1] === RPAREN) {
    let k = j - 1;
    while (k > i && b[k] !== LPAREN) k--;
    if (b[k] !== LPAREN) return false;
    j = trimEnd(b, i, k);
  }
  // pid digits preceded by '-'
  let p = j;
  while (p > i && isDigit(b[p - 1])) p--;
  if (p === j || p - 1 < i || b[p - 1] !== DASH) return false;
  const pid = parseUint(b, p, j);
  if (pid < 0) return false;
  f.pid = pid;
  f.cpu = cpu;
  f.irq = irq;
  f.commStart = i;
  f.commEnd = p - 1;
  return true;
}

function tokenStart(b: Uint8Array, i: number, j: number): number {
  let k = j;
  while (k > i && b[k - 1] !== SP && b[k - 1] !== TAB) k--;
  return k;
}

/** The kernel's flags column (trace_print_lat_fmt()), 5 characters, or 4 on older kernels. */
export function parseFlags(b: Uint8Array, s: number, e: number): number {
  let irq = 0;
  switch (b[s]) {
    case 0x64: irq |= IRQS_OFF; break; // d
    case 0x44: irq |= IRQS_OFF | BH_OFF; break; // D
    case 0x62: irq |= BH_OFF; break; // b
    case 0x58: case DOT: break; // X, .
    default: return -1;
  }
  switch (b[s + 2]) {
    case 0x5a: case 0x7a: irq |= NMI | HARDIRQ; break; // Z z
    case 0x48: irq |= HARDIRQ | SOFTIRQ; break; // H
    case 0x68: irq |= HARDIRQ; break; // h
    case 0x73: irq |= SOFTIRQ; break; // s
    case DOT: break;
    default: return -1;
  }
  for (let k = s + 3; k < e; k++) {
    const c = b[k];
    if (c !== DOT && !isDigit(c) && !(c >= 0x61 && c <= 0x66)) return -1;
  }
  // The 4-character layout predates the BH-disabled column: softirq-enabled is unknown.
  if (e - s === 4) irq |= NO_BH_INFO;
  return irq;
}

/** libtraceevent's latency string: d/X/. N/. H/h/s/. then a hex preempt count or '.'. No b/D, NMI shows as h. */
function parseLatencyFlags(b: Uint8Array, s: number, e: number): number {
  if (e - s < 4) return -1;
  let irq: number = NO_BH_INFO;
  const c1 = b[s];
  if (c1 === 0x64) irq |= IRQS_OFF;
  else if (c1 !== 0x58 && c1 !== DOT) return -1;
  const c3 = b[s + 2];
  if (c3 === 0x48) irq |= HARDIRQ | SOFTIRQ;
  else if (c3 === 0x68) irq |= HARDIRQ;
  else if (c3 === 0x73) irq |= SOFTIRQ;
  else if (c3 !== DOT) return -1;
  return irq;
}

