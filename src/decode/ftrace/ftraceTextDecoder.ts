/**
 * Decoder for ftrace-style text (trace, trace_pipe, trace-cmd report): a
 * frame of whole lines in, one EventBatch out. Worker-safe: its only state is
 * its own string interner, whose IDs the main thread remaps (model/globalStrings).
 */
import { BatchBuilder } from '../../model/batch.ts';
import { ByteInterner } from '../../model/byteInterner.ts';
import { EventKind, IrqBits } from '../../model/eventKind.ts';
import { Warnings } from '../warnings.ts';
import { emptyStats, type DecodedFrame } from '../decoder.ts';
import { eventKindOf, parseBody } from '../eventBodies.ts';
import { newLineFields, parseFtraceLine } from './ftraceLine.ts';

export interface FtraceTextOptions {
  /** Lines may carry trace-cmd's "instance: " prefix. */
  instanceMode: boolean;
  /** Keep only this instance ('' = the top-level buffer); undefined = all. */
  instance?: string;
  /** Longest line decoded; longer ones are counted and skipped. */
  maxLineBytes: number;
  /**
   * Extra event names (without `system:`) kept as EventKind.Custom, name =
   * event name, addr = body text (pseudo-lock rules, analysis/rules). Empty or
   * absent: such events are skipped as other events, as before.
   */
  customEvents?: readonly string[];
}

export class FtraceTextDecoder {
  private readonly strings = new ByteInterner();
  private readonly builder = new BatchBuilder(1 << 14);
  private readonly f = newLineFields();
  private readonly instanceBytes: Uint8Array | undefined;
  private seq = 0;
  /** Custom event names as bytes, or undefined (the default, cheap path). */
  private readonly custom: Uint8Array[] | undefined;
  /** `(____ptrval____)`: %p printed before the kernel's hash key was ready (kernel-semantics §1.5). */
  private readonly ptrvalId: number;

  constructor(
    private readonly input: number,
    private readonly opts: FtraceTextOptions,
  ) {
    this.instanceBytes = opts.instance === undefined ? undefined : Buffer.from(opts.instance, 'utf8');
    this.custom = opts.customEvents?.length ? opts.customEvents.map((n) => Buffer.from(n, 'utf8')) : undefined;
    this.ptrvalId = this.strings.internString('(____ptrval____)');
  }

  /** Decodes the whole lines in buf; `firstLine` is the 1-based number of its first line. */
  decode(buf: Uint8Array, firstLine: number, seq = this.seq++): DecodedFrame {
    const out = this.builder, strings = this.strings, f = this.f, input = this.input;
    const warnings = new Warnings();
    const stats = emptyStats();
    const maxLine = this.opts.maxLineBytes;
    let line = firstLine;
    let s = 0;
    const n = buf.length;
    while (s < n) {
      let e = buf.indexOf(0x0a, s);
      const next = e < 0 ? n : e + 1;
      if (e < 0) e = n;
      stats.lines++;
      if (e - s > maxLine) {
        warnings.add('long-line', input, line, `${e - s} bytes`);
      } else if (next === n && buf[n - 1] !== 0x0a && !isBlank(buf, s, e)) {
        // Robustness fix: frames are whole lines, so only the input's very last
        // line can lack its newline, and the kernel ends every line with one: the
        // capture was cut off here. Decoding the stub could invent a lock class
        // from a cut-off name (e.g. "&dentry->d_lo"), so it is counted and skipped.
        warnings.add('truncated-record', input, line, `last line has no newline (${e - s} bytes; input cut off?)`);
      } else {
        this.decodeLine(buf, s, e, line, out, strings, f, warnings, stats);
      }
      line++;
      s = next;
    }
    const { from, strings: texts } = strings.takeNew();
    return { batch: out.finish(seq, input, from, texts), stats, warnings: warnings.serialize() };
  }

  private decodeLine(
    buf: Uint8Array, s: number, e: number, line: number, out: BatchBuilder, strings: ByteInterner,
    f: ReturnType<typeof newLineFields>, warnings: Warnings, stats: ReturnType<typeof emptyStats>,
  ): void {
    parseFtraceLine(buf, s, e, this.opts.instanceMode, f);
    switch (f.type) {
      case 1:
        stats.headerLines++;
        return;
      case -1:
        warnings.add('unparsed-line', this.input, line);
        return;
      case 2:
        if (!this.instanceOk(buf, f)) return;
        out.aux[out.push(EventKind.Lost, 0, f.cpu, -1, 0, line)] = f.lostCount;
        return;
      case 3:
        out.push(EventKind.BufferStarted, 0, f.cpu, -1, 0, line);
        return;
    }
    let kind = eventKindOf(buf, f.nameStart, f.nameEnd);
    if (kind < 0 && this.custom !== undefined && isCustom(this.custom, buf, f.nameStart, f.nameEnd)) kind = EventKind.Custom;
    if (kind < 0) {
      stats.otherEvents++;
      return;
    }
    if (!this.instanceOk(buf, f)) {
      warnings.add('other-instance', this.input, line);
      return;
    }
    const i = out.push(kind, f.tsNs, f.cpu, f.pid, f.irq, line);
    if (kind === EventKind.Custom) {
      out.name[i] = strings.intern(buf, f.nameStart, f.nameEnd);
      out.addr[i] = strings.intern(buf, f.bodyStart, trimComm(buf, f.bodyStart, e));
      out.comm[i] = strings.intern(buf, f.commStart, trimComm(buf, f.commStart, f.commEnd));
      return;
    }
    if (!parseBody(kind, buf, f.bodyStart, e, out, i, strings)) {
      out.length--;
      warnings.add('unparsed-line', this.input, line, 'malformed event body');
      return;
    }
    out.comm[i] = strings.intern(buf, f.commStart, trimComm(buf, f.commStart, f.commEnd));
    if (kind <= EventKind.Acquired && out.addr[i] === this.ptrvalId) {
      warnings.add('hashed-pointer-unready', this.input, line);
    }
    if (f.irq & IrqBits.NoFlags && kind === EventKind.Acquire) warnings.add('no-flags-column', this.input, line);
  }

  private instanceOk(buf: Uint8Array, f: ReturnType<typeof newLineFields>): boolean {
    const want = this.instanceBytes;
    if (want === undefined) return true;
    const len = f.instEnd - f.instStart;
    // strip the blank padding of the unnamed buffer
    let s = f.instStart;
    while (s < f.instEnd && buf[s] === 0x20) s++;
    if (f.instEnd - s !== want.length) return len === 0 && want.length === 0;
    for (let k = 0; k < want.length; k++) if (buf[s + k] !== want[k]) return false;
    return true;
  }
}

function isCustom(names: Uint8Array[], b: Uint8Array, s: number, e: number): boolean {
  outer: for (const n of names) {
    if (n.length !== e - s) continue;
    for (let k = 0; k < n.length; k++) if (b[s + k] !== n[k]) continue outer;
    return true;
  }
  return false;
}

function isBlank(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (b[k] !== 0x20 && b[k] !== 0x09 && b[k] !== 0x0d) return false;
  return true;
}

function trimComm(b: Uint8Array, s: number, e: number): number {
  while (e > s && b[e - 1] === 0x20) e--;
  return e;
}
