/**
 * Decoder for `perf script` text: a frame of whole lines in, one EventBatch
 * out. perf prints no irq flags column, so every event carries IrqBits.NoFlags
 * (degraded mode, kernel-semantics §7 trap 2); the replay then cannot tell an
 * interrupt from the task it interrupted. Worker-safe: its only state is its
 * own string interner.
 */
import { BatchBuilder } from '../../model/batch.ts';
import { ByteInterner } from '../../model/byteInterner.ts';
import { EventKind, IrqBits } from '../../model/eventKind.ts';
import { Warnings } from '../warnings.ts';
import { countOther, emptyStats, type DecodedFrame, type DecodeStats } from '../decoder.ts';
import { eventKindOf, parseBody } from '../eventBodies.ts';
import { ascii, equalsRange } from '../ftrace/bytes.ts';
import { isCutOffLastLine } from '../cutOffLine.ts';
import { newPerfLineFields, parsePerfScriptLine, type PerfLineFields } from './perfScriptLine.ts';

const SYS_LOCK = ascii('lock'), SYS_WORKQUEUE = ascii('workqueue');

export class PerfScriptDecoder {
  private readonly strings = new ByteInterner();
  private readonly builder = new BatchBuilder(1 << 14);
  private readonly f = newPerfLineFields();
  private seq = 0;
  /** PERF_RECORD_LOST(_SAMPLES) lines seen, and the records they say were lost (for the input summary). */
  lostLines = 0;
  lostRecords = 0;
  /** A long line was cut (its tail never reaches us), so byte offsets from here on are lower bounds. */
  private afterLongLine = false;
  /**
   * The callchain lines after a sample (`perf record -g`): 0 = they belong to a
   * sample the replay skips, 1 = to the event just pushed (its Stack row not
   * written yet), 2 = its Stack row is written, frames follow.
   */
  private chain = 0;
  private chainRow = 0;

  constructor(
    private readonly input: number,
    private readonly maxLineBytes: number,
  ) {}

  /**
   * Decodes the whole lines in buf; `firstLine` is the 1-based number of its
   * first line, `firstByte` the input byte offset of its first byte.
   */
  decode(buf: Uint8Array, firstLine: number, firstByte = 0, seq = this.seq++): DecodedFrame {
    const out = this.builder;
    const warnings = new Warnings();
    const stats = emptyStats();
    let line = firstLine;
    let s = 0;
    const n = buf.length;
    while (s < n) {
      let e = buf.indexOf(0x0a, s);
      const next = e < 0 ? n : e + 1;
      if (e < 0) e = n;
      stats.lines++;
      if (e - s > this.maxLineBytes) {
        warnings.add('long-line', this.input, line, `${e - s} bytes`);
        this.afterLongLine = true;
      } else if (isCutOffLastLine(buf, s, e, next)) {
        // perf prints every record with a trailing newline: this one was cut off (see decode/cutOffLine)
        const at = `${this.afterLongLine ? 'at or after' : 'at'} byte ${firstByte + s}`;
        warnings.add('truncated-record', this.input, line, `last line has no newline (${e - s} bytes ${at}; input cut off?)`);
      } else this.decodeLine(buf, s, e, line, out, warnings, stats);
      line++;
      s = next;
    }
    const { from, strings: texts } = this.strings.takeNew();
    return { batch: out.finish(seq, this.input, from, texts), stats, warnings: warnings.serialize() };
  }

  private decodeLine(buf: Uint8Array, s: number, e: number, line: number, out: BatchBuilder, warnings: Warnings, stats: DecodeStats): void {
    const f: PerfLineFields = this.f;
    if (buf[s] === TAB) {
      // callchain lines are tab-indented; sample lines start with the right-aligned comm (blanks)
      const fe = callchainFrame(buf, s, e);
      if (fe >= 0) {
        if (this.chain !== 0) this.frame(buf, fe, e, line, out);
        return;
      }
    }
    this.chain = 0;
    parsePerfScriptLine(buf, s, e, f);
    if (f.type === 1) {
      stats.headerLines++;
      return;
    }
    if (f.type === 2) {
      // perf's ring buffer overflowed: records are missing (held-lock state unknown). The same EventKind
      // as ftrace's "[LOST n EVENTS]", so the replay's uncertainty rules apply alike.
      out.aux[out.push(EventKind.Lost, f.tsNs, f.cpu, -1, 0, line)] = f.lostCount;
      this.lostLines++;
      this.lostRecords += f.lostCount;
      return;
    }
    if (f.type === 3) {
      // No task to put the event on; counted, not guessed.
      warnings.add('unparsed-line', this.input, line, 'tid -1: perf could not resolve the task (exiting task already unhashed)');
      return;
    }
    if (f.type < 0) {
      warnings.add('unparsed-line', this.input, line);
      return;
    }
    const sysEnd = f.nameStart - 1;
    const ours = equalsRange(buf, f.eventStart, sysEnd, SYS_LOCK) || equalsRange(buf, f.eventStart, sysEnd, SYS_WORKQUEUE);
    const kind = ours ? eventKindOf(buf, f.nameStart, f.eventEnd) : -1;
    if (kind < 0) {
      countOther(stats, f.tsNs);
      return;
    }
    const i = out.push(kind, f.tsNs, f.cpu, f.tid, IrqBits.NoFlags, line);
    if (!parseBody(kind, buf, f.bodyStart, e, out, i, this.strings)) {
      out.length--;
      warnings.add('unparsed-line', this.input, line, 'malformed event body');
      return;
    }
    out.comm[i] = this.strings.intern(buf, f.commStart, f.commEnd);
    if (kind === EventKind.Acquire) warnings.add('no-flags-column', this.input, line);
    this.chain = 1;
    this.chainRow = i;
  }

  /** One callchain line of the event just pushed: a Stack row before the first (its sample's cpu, tid, time), then a StackFrame row. */
  private frame(buf: Uint8Array, s: number, e: number, line: number, out: BatchBuilder): void {
    if (this.chain === 1) {
      const ev = this.chainRow;
      const h = out.push(EventKind.Stack, out.tsNs[ev], out.cpu[ev], out.pid[ev], out.irq[ev], line);
      out.comm[h] = out.comm[ev];
      out.stackRows++;
      this.chain = 2;
    }
    while (e > s && (buf[e - 1] === SP || buf[e - 1] === TAB || buf[e - 1] === 0x0d)) e--;
    const i = out.push(EventKind.StackFrame, 0, 0, 0, 0, line);
    out.name[i] = this.strings.intern(buf, s, e);
    out.stackRows++;
  }
}

const TAB = 0x09, SP = 0x20;

/**
 * A callchain line (`\t<hex address> <symbol> (<dso>)`, or the address alone when the symbol and dso
 * fields are off, e.g. `perf script -F ip`: builtin-script.c sample__fprintf_callchain() prints
 * "%16" PRIx64 then each field asked for): where its text starts after the indent, or -1.
 */
function callchainFrame(b: Uint8Array, s: number, e: number): number {
  while (s < e && (b[s] === TAB || b[s] === SP)) s++;
  let k = s;
  while (k < e) {
    const c = b[k];
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) break;
    k++;
  }
  return k - s >= 1 && (k === e || b[k] === SP || b[k] === 0x0d) ? s : -1;
}
