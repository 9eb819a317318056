/**
 * One line of `perf script` text (tools/perf/builtin-script.c), byte by byte.
 * Default tracepoint fields are comm,tid,cpu,time,event,trace:
 *   "%16s %5d [%03d] %12s: %*s: <trace>"   (time secs.usecs, or 9 digits with --ns)
 * `-F` variants that keep those fields are accepted too: "pid/tid" instead of
 * tid, and a sample period between the time and the event name. The line is
 * parsed from the timestamp leftwards, so comms with spaces or digits do not
 * confuse it. perf prints no irq flags column (kernel-semantics §2.6, §7 trap 2).
 */
import { COLON, DOT, HASH, LBRACK, RBRACK, SP, TAB, ascii, indexOf, isDigit, parseTimestampNs, parseUint, skipSpaces, startsWith, trimEnd } from '../ftrace/bytes.ts';

const SLASH = 0x2f;
/**
 * `perf script --show-lost-events` (builtin-script.c process_lost_event()): the
 * sample header, then perf_event__fprintf(): "PERF_RECORD_LOST lost N"
 * (perf_event__fprintf_lost()). PERF_RECORD_LOST_SAMPLES has no printer of its
 * own in perf_event__fprintf() and prints bare; both are accepted, with or
 * without a count.
 */
const PERF_RECORD_LOST = ascii('PERF_RECORD_LOST'), SAMPLES = ascii('_SAMPLES'), LOST_SP = ascii('lost ');

/** What a parsed perf line says; written into this reusable record. */
export interface PerfLineFields {
  /** 0 = event line, 1 = header/comment/blank, 2 = lost records (PERF_RECORD_LOST), 3 = tid -1 (unknown task), -1 = unparsed */
  type: number;
  /** Records lost (type 2); 0 when not printed. */
  lostCount: number;
  commStart: number;
  commEnd: number;
  tid: number;
  cpu: number;
  tsNs: number;
  /** The whole "sys:event" token, without its trailing ':'. */
  eventStart: number;
  eventEnd: number;
  /** Where the event name proper starts (after "sys:"). */
  nameStart: number;
  bodyStart: number;
}

export function newPerfLineFields(): PerfLineFields {
  return { type: 0, lostCount: 0, commStart: 0, commEnd: 0, tid: 0, cpu: 0, tsNs: 0, eventStart: 0, eventEnd: 0, nameStart: 0, bodyStart: 0 };
}

/** Parses [s, e) (no newline) into f. */
export function parsePerfScriptLine(b: Uint8Array, s: number, e: number, f: PerfLineFields): void {
  const i = skipSpaces(b, s, e);
  e = trimEnd(b, i, e);
  if (i >= e || b[i] === HASH) return void (f.type = 1);
  // The context ends at "[cpu]"; the first "] " followed by a timestamp and ": ".
  for (let q = i; q < e; q++) {
    if (b[q] !== RBRACK) continue;
    let k = q - 1;
    while (k > i && isDigit(b[k])) k--;
    if (b[k] !== LBRACK || k === q - 1) continue;
    const cpu = parseUint(b, k + 1, q);
    if (cpu < 0) continue;
    // timestamp
    const t0 = skipSpaces(b, q + 1, e);
    let t1 = t0;
    while (t1 < e && (isDigit(b[t1]) || b[t1] === DOT)) t1++;
    if (t1 === t0 || t1 >= e || b[t1] !== COLON) continue;
    const ts = parseTimestampNs(b, t0, t1);
    if (ts < 0) continue;
    // A loss record first: its task may be one perf never resolved (tid -1), and the loss still counts.
    const n0 = skipSpaces(b, t1 + 1, e);
    if (isLostRecord(b, n0, e)) {
      const at = indexOf(b, n0 + PERF_RECORD_LOST.length, e, LOST_SP);
      const c = at < 0 ? -1 : parseUint(b, at + LOST_SP.length, e);
      f.lostCount = c < 0 ? 0 : c;
      f.cpu = cpu;
      f.tsNs = ts;
      f.type = 2;
      return;
    }
    // tid (or pid/tid) left of "[cpu]"
    const pe = trimEnd(b, i, k);
    let ps = pe;
    while (ps > i && (isDigit(b[ps - 1]) || b[ps - 1] === SLASH)) ps--;
    // tid -1: perf could not resolve the task (it was already unhashed: an exiting task's last events)
    if (pe - ps === 1 && b[ps] === 0x31 && ps - 1 > i && b[ps - 1] === 0x2d) return void (f.type = 3);
    if (ps === pe || (ps > i && b[ps - 1] !== SP && b[ps - 1] !== TAB)) continue;
    let tidStart = ps;
    for (let m = pe - 1; m >= ps; m--) if (b[m] === SLASH) { tidStart = m + 1; break; }
    const tid = parseUint(b, tidStart, pe);
    if (tid < 0) continue;
    f.commStart = i;
    f.commEnd = trimEnd(b, i, ps);
    f.tid = tid;
    f.cpu = cpu;
    f.tsNs = ts;
    // optional period, then "sys:event:"
    let n = n0;
    let ne = n;
    while (ne < e && isDigit(b[ne])) ne++;
    if (ne > n && ne < e && (b[ne] === SP || b[ne] === TAB)) n = skipSpaces(b, ne, e);
    ne = n;
    let firstColon = -1;
    while (ne < e && b[ne] !== SP && b[ne] !== TAB) {
      if (b[ne] === COLON && firstColon < 0) firstColon = ne;
      ne++;
    }
    // token is "sys:event:"
    if (firstColon < 0 || ne - 1 <= firstColon || b[ne - 1] !== COLON) return void (f.type = -1);
    f.eventStart = n;
    f.eventEnd = ne - 1;
    f.nameStart = firstColon + 1;
    f.bodyStart = ne;
    f.type = 0;
    return;
  }
  f.type = -1;
}

/** "PERF_RECORD_LOST" or "PERF_RECORD_LOST_SAMPLES" at i, as a whole word. */
function isLostRecord(b: Uint8Array, i: number, e: number): boolean {
  if (!startsWith(b, i, e, PERF_RECORD_LOST)) return false;
  let k = i + PERF_RECORD_LOST.length;
  if (startsWith(b, k, e, SAMPLES)) k += SAMPLES.length;
  return k === e || b[k] === SP || b[k] === TAB;
}
