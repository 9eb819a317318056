/**
 * Decoder for ftrace-style text (trace, trace_pipe, trace-cmd report): a
 * frame of whole lines (or a raw block, decodeBlock) in, one EventBatch out.
 * Worker-safe: its only state is its own string interner, whose IDs the main
 * thread remaps (model/globalStrings), and guesses it always verifies.
 *
 * Each line first tries fastLine(): one pass in the common layouts, no
 * allocation, lock names / addresses / comms confirmed against the ones last
 * seen at that address, value or pid instead of hashed; anything it is not
 * sure of goes to the general parser (parseFtraceLine + parseBody), whose
 * result it must equal exactly (tests/decode/ftraceFastPath.test.ts).
 */
import { BatchBuilder } from '../../model/batch.ts';
import { ByteInterner } from '../../model/byteInterner.ts';
import { EventKind, IrqBits, LockFlags, LostFlags, StackFlags } from '../../model/eventKind.ts';
import { Warnings } from '../warnings.ts';
import { countOther, emptyStats, type DecodedFrame } from '../decoder.ts';
import { eventKindOf, parseBody } from '../eventBodies.ts';
import { isCutOffLastLine } from '../cutOffLine.ts';
import { NameByAddress } from '../../model/nameByAddress.ts';
import { LineType, isPrintEvent, markerTextAt, newLineFields, parseContext, parseFlags, parseFtraceLine, type LineFields } from './ftraceLine.ts';
import { parseTimestampNs } from './bytes.ts';

// Module-local constants for the per-byte code: V8 reads an imported binding
// (or a property of an imported object) on every use instead of folding it.
const SP = 0x20, TAB = 0x09, CR = 0x0d, LF = 0x0a, COLON = 0x3a, DOT = 0x2e, HASH = 0x23;
const ACQUIRE = EventKind.Acquire, RELEASE = EventKind.Release, CONTENDED = EventKind.Contended, ACQUIRED = EventKind.Acquired;
const MARKER = EventKind.Marker;
/** decodeLine(): the line has no trace line's shape. */
const UNPARSED = -1;
const TRY = LockFlags.Try, READ = LockFlags.Read, NO_FLAGS = IrqBits.NoFlags;
const COMM_SLOTS = 4096, COMM_SLOTS_MASK = COMM_SLOTS - 1;
const ADDR_SLOT_BITS = 13, ADDR_SLOTS = 1 << ADDR_SLOT_BITS, ADDR_SLOTS_SHIFT = 32 - ADDR_SLOT_BITS;
const LBRACK = 0x5b, RBRACK = 0x5d, RPAREN = 0x29, DASH = 0x2d, EQ = 0x3d, GT = 0x3e;

/**
 * The 5-character flags column by table: the irq bits of its first and third
 * characters (-1: not allowed there) and which characters may follow, taken
 * from parseFlags itself so both paths read the column the same way.
 */
const FLAG0 = new Int8Array(256), FLAG2 = new Int8Array(256), FLAG_TAIL = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  FLAG0[c] = parseFlags(Uint8Array.of(c, DOT, DOT, DOT, DOT), 0, 5);
  FLAG2[c] = parseFlags(Uint8Array.of(DOT, DOT, c, DOT, DOT), 0, 5);
  FLAG_TAIL[c] = parseFlags(Uint8Array.of(DOT, DOT, DOT, c, c), 0, 5) >= 0 ? 1 : 0;
}

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
  /**
   * false: every line takes the general path (parseFtraceLine + parseBody).
   * For tests, which hold the fast path to giving exactly the same result.
   */
  fastPath?: boolean;
}

/**
 * The context before the timestamp, right to left as parseContext reads it, inline for the common layouts
 * "comm-pid [cpu] flags" and "comm-pid [cpu]": 1 when parsed into `f` (pid, cpu, irq, comm), 0 for another
 * layout (parseContext's), -1 when the line is no trace line.
 */
function inlineContext(b: Buffer, i: number, t0: number, f: LineFields): number {
  let j = t0;
  let c = b[j - 1];
  while (j > i && (c === SP || c === TAB || c === CR)) c = b[--j - 1];
  let irq: number = NO_FLAGS;
  if (c !== RBRACK) {
    // a 5-character flags token, preceded by a blank
    const k = j - 5;
    if (k <= i) return 0;
    c = b[k - 1];
    const c1 = b[k + 1];
    if ((c !== SP && c !== TAB) || c1 === SP || c1 === TAB) return 0;
    const i0 = FLAG0[b[k]], i2 = FLAG2[b[k + 2]];
    if (i0 < 0 || i2 < 0 || FLAG_TAIL[b[k + 3]] === 0 || FLAG_TAIL[b[k + 4]] === 0) return 0;
    irq = i0 | i2;
    j = k - 1;
    c = b[j - 1];
    while (j > i && (c === SP || c === TAB || c === CR)) c = b[--j - 1];
    if (c !== RBRACK) return 0;
  }
  // "[cpu]", a token of its own
  let m = j - 2, cpu = 0, scale = 1;
  c = b[m];
  while (m > i && c >= 0x30 && c <= 0x39) {
    cpu += (c - 0x30) * scale;
    scale *= 10;
    c = b[--m];
  }
  if (c !== LBRACK || m === j - 2 || j - 2 - m > 15 || m <= i) return 0;
  c = b[m - 1];
  if (c !== SP && c !== TAB) return 0;
  // pid digits after a '-'
  let pe = m;
  while (pe > i && (c === SP || c === TAB || c === CR)) c = b[--pe - 1];
  if (c === RPAREN) return 0;
  let p = pe, pid = 0;
  scale = 1;
  while (p > i && c >= 0x30 && c <= 0x39) {
    pid += (c - 0x30) * scale;
    scale *= 10;
    c = b[--p - 1];
  }
  if (p === pe || pe - p > 15 || p - 1 < i || c !== DASH) return -1;
  f.pid = pid;
  f.cpu = cpu;
  f.irq = irq;
  f.commStart = i;
  f.commEnd = p - 1;
  return 1;
}

/** "lock_acquire:", "lock_acquired:", "lock_release:", "lock_contended:" at `ns`: its kind, else -1. */
function lockEventKind(b: Buffer, ns: number): number {
  if (b[ns] !== 0x6c || b[ns + 1] !== 0x6f || b[ns + 2] !== 0x63 || b[ns + 3] !== 0x6b || b[ns + 4] !== 0x5f) return -1;
  const c5 = b[ns + 5];
  if (c5 === 0x61) {
    if (b[ns + 6] === 0x63 && b[ns + 7] === 0x71 && b[ns + 8] === 0x75 && b[ns + 9] === 0x69 && b[ns + 10] === 0x72 && b[ns + 11] === 0x65) {
      if (b[ns + 12] === COLON) return ACQUIRE;
      if (b[ns + 12] === 0x64 && b[ns + 13] === COLON) return ACQUIRED;
    }
  } else if (c5 === 0x72) {
    if (b[ns + 6] === 0x65 && b[ns + 7] === 0x6c && b[ns + 8] === 0x65 && b[ns + 9] === 0x61 && b[ns + 10] === 0x73 && b[ns + 11] === 0x65 && b[ns + 12] === COLON) return RELEASE;
  } else if (c5 === 0x63) {
    if (b[ns + 6] === 0x6f && b[ns + 7] === 0x6e && b[ns + 8] === 0x74 && b[ns + 9] === 0x65 && b[ns + 10] === 0x6e && b[ns + 11] === 0x64 && b[ns + 12] === 0x65 && b[ns + 13] === 0x64 && b[ns + 14] === COLON) return CONTENDED;
  }
  return -1;
}

/** What decodeBlock() hands back. */
export interface DecodedBlock {
  /** The block's complete lines (positions numbered from 1). */
  frame: DecodedFrame;
  /** Bytes [0, head) end the line in progress; -1: the block has no newline at all (it is all inside one line). */
  head: number;
  /** Bytes [tail, length) begin a line that continues in the next block (tail = length: none). */
  tail: number;
}

export class FtraceTextDecoder {
  private readonly strings: ByteInterner;
  private readonly builder: BatchBuilder;
  private readonly f: LineFields;
  private readonly instanceBytes: Uint8Array | undefined;
  private seq = 0;
  /** Custom event names as bytes, or undefined (the default, cheap path). */
  private readonly custom: Uint8Array[] | undefined;
  /** `(____ptrval____)`: %p printed before the kernel's hash key was ready (kernel-semantics §1.5). */
  private readonly ptrvalId: number;
  private readonly maxLine: number;
  private readonly instanceMode: boolean;
  /** Column of the timestamp's ": " in the last line that had to search for it. */
  private colonCol = 0;
  /** Fast-path guesses, always confirmed byte by byte: the name last seen at an address ID, the comm last seen for a pid. */
  private readonly nameByAddr = new NameByAddress();
  private readonly commPid: Int32Array;
  private readonly commId: Uint32Array;
  /** Lower-case hex addresses by value: [lo, hi, digits | "0x" bit, string ID] per slot (key -1: empty). */
  private readonly addrCache: Int32Array;

  /** `batchCapacity`: events per batch before the columns grow (warmUp() makes them grow). */
  constructor(
    private readonly input: number,
    private readonly opts: FtraceTextOptions,
    batchCapacity = 1 << 14,
  ) {
    // Before this decoder's own objects exist, so they are built with the shapes the warm-up settled.
    if (!warmedUp) warmUp();
    this.strings = new ByteInterner();
    this.builder = new BatchBuilder(batchCapacity);
    this.f = newLineFields();
    this.commPid = new Int32Array(COMM_SLOTS).fill(-1);
    this.commId = new Uint32Array(COMM_SLOTS);
    this.addrCache = new Int32Array(ADDR_SLOTS * 4).fill(-1);
    this.instanceBytes = opts.instance === undefined ? undefined : Buffer.from(opts.instance, 'utf8');
    this.custom = opts.customEvents?.length ? opts.customEvents.map((n) => Buffer.from(n, 'utf8')) : undefined;
    this.ptrvalId = this.strings.internString('(____ptrval____)');
    this.maxLine = opts.maxLineBytes;
    this.instanceMode = opts.instanceMode;
  }

  /**
   * Decodes a raw block of the input, cut anywhere (the block contract of
   * pipeline/parallelDecode.ts): the complete lines in it, numbered from 1.
   * Bytes before the first newline end a line that began in an earlier block
   * (unless `startsLine`: the previous block ended with a newline); bytes after
   * the last one begin a line that ends in a later block. Neither is decoded
   * here: the caller joins them across blocks and decodes that line itself.
   */
  decodeBlock(bytes: Uint8Array, startsLine: boolean, seq = this.seq++, handOff?: ArrayBuffer[]): DecodedBlock {
    const buf = asBuffer(bytes);
    const first = buf.indexOf(LF);
    if (first < 0) return { frame: this.decode(NO_BYTES, 1, seq), head: -1, tail: -1 };
    const head = startsLine ? 0 : first + 1;
    const tail = buf.lastIndexOf(LF) + 1;
    return { frame: this.decode(buf.subarray(head, tail), 1, seq, handOff), head, tail };
  }

  /** The frame of a line over the line limit that was joined across blocks (never buffered whole). */
  decodeLongLine(line: number, length: number, seq = this.seq++): DecodedFrame {
    const frame = this.decode(NO_BYTES, line, seq);
    const warnings = new Warnings();
    warnings.add('long-line', this.input, line, `${length} bytes`);
    frame.warnings = warnings.serialize();
    frame.stats.lines = 1;
    return frame;
  }

  /** Decodes the whole lines in buf; `firstLine` is the 1-based number of its first line. */
  /**
   * `handOff`: the batch is the builder's own columns, not a copy, and the
   * builder goes on in these buffers (a returned batch's; [] for new ones).
   */
  decode(bytes: Uint8Array, firstLine: number, seq = this.seq++, handOff?: ArrayBuffer[]): DecodedFrame {
    const buf = asBuffer(bytes);
    const out = this.builder, strings = this.strings, f = this.f, input = this.input;
    const warnings = new Warnings();
    const stats = emptyStats();
    const maxLine = this.maxLine;
    const n = buf.length;
    // Every line that ends with a newline may take the fast path; only the frame's last line can lack one.
    const lastLf = this.opts.fastPath === false ? -1 : buf.lastIndexOf(LF);
    let line = firstLine;
    let s = 0;
    // Was the last decided line an other event (1), whose text a line without a trace line's shape may
    // continue (trace_printk / trace_marker text with an embedded newline), or not (0)? -1: no decided
    // line yet in this frame; unparsed lines then are `leading`, settled by the frame before (ContinuationLines).
    let open = -1, leading = 0;
    while (s < n) {
      stats.lines++;
      if (s <= lastLf) {
        const others = stats.otherEvents;
        const next = this.fastLine(buf, s, line, out, strings, f, warnings, stats);
        if (next > 0) {
          open = stats.otherEvents > others ? 1 : 0;
          line++;
          s = next;
          continue;
        }
      }
      let e = lineEnd(buf, s);
      if (e < 0) e = n;
      const next = e < n ? e + 1 : n;
      if (e - s > maxLine) {
        warnings.add('long-line', input, line, `${e - s} bytes`);
        open = 0;
      } else if (isCutOffLastLine(buf, s, e, next)) {
        // The kernel ends every line with a newline: the capture was cut off here (decode/cutOffLine).
        warnings.add('truncated-record', input, line, `last line has no newline (${e - s} bytes; input cut off?)`);
        open = 0;
      } else {
        const r = this.decodeLine(buf, s, e, line, out, strings, f, warnings, stats);
        if (r !== UNPARSED) open = r;
        else if (open === 1) stats.continuationLines++;
        else {
          warnings.add('unparsed-line', this.input, line);
          if (open === -1) leading++;
          else open = 0;
        }
      }
      line++;
      s = next;
    }
    const { from, strings: texts } = strings.takeNew();
    const batch = handOff ? out.handOff(seq, input, from, texts, handOff) : out.finish(seq, input, from, texts);
    const frame: DecodedFrame = { batch, stats, warnings: warnings.serialize() };
    if (leading) frame.leadingUnparsed = leading;
    if (open >= 0) frame.endsInOtherEvent = open === 1;
    return frame;
  }

  /**
   * The hot path: one pass over a newline-terminated line in the common
   * layouts, hashing lock names, addresses and comms while scanning them.
   * It accepts a line only where parseFtraceLine + parseBody would give the
   * very same event (the first ": " is the timestamp's, the context parses,
   * the body is well formed, no trailing blanks, not over the line limit) and
   * returns the start of the next line; anything else returns -1 before it has
   * written or interned anything, and the line takes the general path.
   */
  private fastLine(
    b: Buffer, s: number, line: number, out: BatchBuilder, strings: ByteInterner, f: LineFields,
    warnings: Warnings, stats: ReturnType<typeof emptyStats>,
  ): number {
    const e = b.indexOf(LF, s);
    if (e - s > this.maxLine) return -1;
    let i = s;
    let c = b[i];
    while (c === SP || c === TAB) c = b[++i];
    if (i === e || c === HASH || c === CR) return -1;
    if (c === EQ && b[i + 1] === GT) {
      stackFrameRow(b, i + 2, e, line, out, strings, warnings, this.input);
      return e + 1;
    }
    f.instStart = f.instEnd = 0;
    if (this.instanceMode) {
      // trace-cmd's "name: " buffer prefix (findInstancePrefix)
      let k = i;
      while (k < e && c !== SP && c !== COLON) c = b[++k];
      if (c === COLON && b[k + 1] === SP) {
        f.instStart = i;
        f.instEnd = k;
        i = k + 1;
        c = b[i];
        while (c === SP || c === TAB) c = b[++i];
        if (i === e) return -1;
      } else {
        c = b[i];
      }
    }
    // "CPU:" (lost events) and "cpus=" (trace-cmd header) lines are the general path's.
    if (c === 0x43 && b[i + 1] === 0x50 && b[i + 2] === 0x55 && b[i + 3] === COLON) return -1;
    if (c === 0x63 && b[i + 1] === 0x70 && b[i + 2] === 0x75 && b[i + 3] === 0x73 && b[i + 4] === 0x3d) return -1;
    // The general parser takes the first ": " as the end of the timestamp. Lines of
    // one capture put it in the same column, so try the last line's column first:
    // if the context before it parses, only the comm can hold an earlier ": ",
    // and that is checked below (checkComm).
    let q = s + this.colonCol;
    const checkComm = q > i && q < e && b[q] === COLON && b[q + 1] === SP;
    if (!checkComm) {
      q = i;
      for (;;) {
        while (c !== COLON) {
          if (++q >= e) return -1;
          c = b[q];
        }
        if (b[q + 1] === SP) break;
        if (++q >= e) return -1;
        c = b[q];
      }
      this.colonCol = q - s;
    }
    // timestamp: digits[.digits] between a blank and ": "
    let t0 = q;
    c = b[t0 - 1];
    while (t0 > i && ((c >= 0x30 && c <= 0x39) || c === DOT)) c = b[--t0 - 1];
    if (t0 === q || t0 === i || (c !== SP && c !== TAB)) return -1;
    const ts = parseTimestampNs(b, t0, q);
    if (ts < 0) return -1;
    // Context, right to left from the timestamp, as parseContext reads it: inline for
    // "comm-pid [cpu] flags" and "comm-pid [cpu]"; other layouts are parseContext's.
    const inline = inlineContext(b, i, t0, f);
    if (inline < 0) return -1;
    if (inline === 0 && !parseContext(b, i, t0, f)) return -1;
    if (checkComm) {
      // Past the comm, the context parsed inline has no ": " (digits, blanks, brackets,
      // flags); other layouts (a tgid in parentheses) are searched up to the timestamp.
      const ce = inline === 1 ? f.commEnd : q;
      for (let z = i; z < ce; z++) if (b[z] === COLON && b[z + 1] === SP) return -1;
    }
    // event name, up to its ':'
    let ns = q + 1;
    c = b[ns];
    while (c === SP || c === TAB) c = b[++ns];
    let kind = lockEventKind(b, ns), ne = kind < 0 ? ns : ns + (kind === ACQUIRED ? 13 : kind === CONTENDED ? 14 : 12);
    if (kind < 0) {
      while (c !== COLON && c !== SP && ne < e) c = b[++ne];
      if (c !== COLON || ne === ns || ne >= e) return -1;
      kind = eventKindOf(b, ns, ne);
      if (kind < 0) {
        if (this.custom !== undefined || isPrintEvent(b, ns, ne)) return -1;
        countOther(stats, ts, this.instanceBytes === undefined || this.instanceOk(b, f));
        return e + 1;
      }
    }
    if (this.instanceBytes !== undefined && !this.instanceOk(b, f)) return -1;
    // a marker's text may go on over the next lines: the general path tells the caller
    if (kind === MARKER) return -1;
    if (kind > ACQUIRED) {
      // workqueue and marker bodies: the shared body parser, as on the general path
      const idx = out.push(kind, ts, f.cpu, f.pid, f.irq, line);
      if (!parseBody(kind, b, ne + 1, e, out, idx, strings)) {
        out.length--;
        warnings.add('unparsed-line', this.input, line, 'malformed event body');
        return e + 1;
      }
      out.comm[idx] = strings.intern(b, f.commStart, trimComm(b, f.commStart, f.commEnd));
      return e + 1;
    }
    return this.lockEvent(b, ne, e, kind, ts, line, out, strings, f, warnings);
  }

  /**
   * The fast path's lock events, "<addr> [try ][read ]<name>" after the event name's ':' at `ne`, as one
   * row: the start of the next line, or -1 before anything is written when the body is not well formed.
   */
  private lockEvent(
    b: Buffer, ne: number, e: number, kind: number, ts: number, line: number, out: BatchBuilder, strings: ByteInterner,
    f: LineFields, warnings: Warnings,
  ): number {
    // no trailing blanks
    let c = b[e - 1];
    if (c === SP || c === TAB || c === CR) return -1;
    let a = ne + 1;
    c = b[a];
    while (c === SP || c === TAB) c = b[++a];
    // The address, read as a number on the way when it is lower-case hex ("0x" or not, up to 16 digits).
    let ae = a, pre = 0;
    if (c === 0x30 && b[a + 1] === 0x78) {
      pre = 1 << 5;
      ae = a + 2;
      c = b[ae];
    }
    const digits = ae;
    let hi = 0, lo = 0, hex = true;
    while (ae < e && c !== SP && c !== TAB) {
      let v = c - 0x30;
      if (v < 0 || v > 9) {
        v = c - 0x57;
        if (v < 10 || v > 15) hex = false;
      }
      hi = (hi << 4) | (lo >>> 28);
      lo = (lo << 4) | (v & 15);
      c = b[++ae];
    }
    if (ae >= e || ae === a) return -1;
    let p = ae + 1, flags = 0;
    if (kind === ACQUIRE) {
      if (b[p] === 0x74 && b[p + 1] === 0x72 && b[p + 2] === 0x79 && b[p + 3] === SP) {
        flags = TRY;
        p += 4;
      }
      if (b[p] === 0x72 && b[p + 1] === 0x65 && b[p + 2] === 0x61 && b[p + 3] === 0x64 && b[p + 4] === SP) {
        flags |= READ;
        p += 5;
      }
    }
    if (p >= e) return -1;
    // Interned in the general path's order (address, name, comm). The name last
    // seen at this address, and the comm last seen for this pid, are confirmed
    // byte by byte instead of hashed and looked up.
    const idx = out.push(kind, ts, f.cpu, f.pid, f.irq, line);
    // Equal (digits, value, "0x") is equal bytes: a hit in this cache needs no hashing and no comparing.
    const ndig = ae - digits;
    let addr: number;
    if (hex && ndig > 0 && ndig <= 16) {
      // Multiplicative mixing: kernel addresses are aligned, their low bits are zeros.
      const key = ndig | pre, slot = Math.imul(lo ^ Math.imul(hi ^ key, 0x9e3779b1), 0x85ebca6b) >>> ADDR_SLOTS_SHIFT;
      const ac = this.addrCache;
      const at = slot << 2;
      if (ac[at] === lo && ac[at + 1] === hi && ac[at + 2] === key) {
        addr = ac[at + 3];
      } else {
        addr = strings.intern(b, a, ae);
        ac[at] = lo;
        ac[at + 1] = hi;
        ac[at + 2] = key;
        ac[at + 3] = addr;
      }
    } else {
      addr = strings.intern(b, a, ae);
    }
    const name = this.nameByAddr.intern(strings, addr, b, p, e);
    out.addr[idx] = addr;
    out.lockFlags[idx] = flags;
    out.name[idx] = name;
    const cs = f.commStart;
    let ce = f.commEnd;
    while (ce > cs && b[ce - 1] === SP) ce--;
    const pid = f.pid, slot = pid & COMM_SLOTS_MASK;
    let comm = this.commPid[slot] === pid ? this.commId[slot] : 0;
    if (comm === 0 || !strings.matches(comm, b, cs, ce)) {
      comm = strings.intern(b, cs, ce);
      this.commPid[slot] = pid;
      this.commId[slot] = comm;
    }
    out.comm[idx] = comm;
    if (addr === this.ptrvalId) warnings.add('hashed-pointer-unready', this.input, line);
    if (f.irq & NO_FLAGS && kind === ACQUIRE) warnings.add('no-flags-column', this.input, line);
    return e + 1;
  }

  /**
   * The general path for one line. Returns 1 when it was an other event (whose text the next lines may
   * continue), 0 for any other decided line, UNPARSED when the line has no trace line's shape (the caller
   * knows whether it continues the event before it).
   */
  private decodeLine(
    buf: Uint8Array, s: number, e: number, line: number, out: BatchBuilder, strings: ByteInterner,
    f: ReturnType<typeof newLineFields>, warnings: Warnings, stats: ReturnType<typeof emptyStats>,
  ): number {
    let k = s;
    while (k < e && (buf[k] === SP || buf[k] === TAB)) k++;
    if (buf[k] === EQ && buf[k + 1] === GT) {
      stackFrameRow(buf, k + 2, e, line, out, strings, warnings, this.input);
      return 0;
    }
    parseFtraceLine(buf, s, e, this.opts.instanceMode, f);
    switch (f.type) {
      case LineType.Header:
        stats.headerLines++;
        return 0;
      case LineType.Unparsed:
        return UNPARSED;
      case LineType.Lost: {
        if (!this.instanceOk(buf, f)) return 0;
        // ftrace's ring buffer is per CPU: the loss is of f.cpu's events only
        const i = out.push(EventKind.Lost, 0, f.cpu, -1, 0, line);
        out.aux[i] = f.lostCount;
        out.lockFlags[i] = LostFlags.CpuExact;
        return 0;
      }
      case LineType.BufferStarted:
        out.push(EventKind.BufferStarted, 0, f.cpu, -1, 0, line);
        return 0;
      case LineType.StackTrace:
      case LineType.UserStackTrace: {
        // `<stack trace>`: the frames follow as ` => ` lines (replay/stackPairing.ts gives the stack to its event)
        const i = out.push(EventKind.Stack, f.tsNs, f.cpu, f.pid, f.irq, line);
        out.comm[i] = strings.intern(buf, f.commStart, trimComm(buf, f.commStart, f.commEnd));
        if (f.type === LineType.UserStackTrace) out.lockFlags[i] = StackFlags.User;
        out.stackRows++;
        if (!this.instanceOk(buf, f)) this.skippedStack(out, i, line, warnings);
        return 0;
      }
      case LineType.OtherTracer:
        countOther(stats, f.tsNs, this.instanceOk(buf, f));
        return 0;
    }
    let kind = eventKindOf(buf, f.nameStart, f.nameEnd);
    if (kind < 0 && isPrintEvent(buf, f.nameStart, f.nameEnd)) {
      // trace-cmd report prints a trace_marker write as the ftrace `print` event, "print: tracing_mark_write: TEXT"
      // (its ip is tracing_mark_write()); the kernel's trace file as "tracing_mark_write: TEXT"
      const at = markerTextAt(buf, f.bodyStart, e);
      if (at < 0) kind = -1;
      else {
        kind = EventKind.Marker;
        f.bodyStart = at;
      }
    }
    if (kind < 0 && this.custom !== undefined && isCustom(this.custom, buf, f.nameStart, f.nameEnd)) kind = EventKind.Custom;
    if (kind < 0) {
      countOther(stats, f.tsNs, this.instanceOk(buf, f));
      return 1;
    }
    if (!this.instanceOk(buf, f)) {
      if (kind === EventKind.Stack) {
        // its frames (no instance prefix) must not join the stack before it
        const i = out.push(EventKind.Stack, f.tsNs, f.cpu, f.pid, f.irq, line);
        out.stackRows++;
        this.skippedStack(out, i, line, warnings);
        return 0;
      }
      warnings.add('other-instance', this.input, line);
      return 0;
    }
    const i = out.push(kind, f.tsNs, f.cpu, f.pid, f.irq, line);
    if (kind === EventKind.Custom) {
      out.name[i] = strings.intern(buf, f.nameStart, f.nameEnd);
      out.addr[i] = strings.intern(buf, f.bodyStart, trimComm(buf, f.bodyStart, e));
      out.comm[i] = strings.intern(buf, f.commStart, trimComm(buf, f.commStart, f.commEnd));
      return 1;
    }
    if (!parseBody(kind, buf, f.bodyStart, e, out, i, strings)) {
      out.length--;
      warnings.add('unparsed-line', this.input, line, 'malformed event body');
      return 0;
    }
    out.comm[i] = strings.intern(buf, f.commStart, trimComm(buf, f.commStart, f.commEnd));
    if (kind <= EventKind.Acquired && out.addr[i] === this.ptrvalId) {
      warnings.add('hashed-pointer-unready', this.input, line);
    }
    if (f.irq & IrqBits.NoFlags && kind === EventKind.Acquire) warnings.add('no-flags-column', this.input, line);
    return kind === EventKind.Marker ? 1 : 0;
  }

  /** Stack row i belongs to another instance's event: kept only to end the stack before it, its frames dropped. */
  private skippedStack(out: BatchBuilder, i: number, line: number, warnings: Warnings): void {
    out.lockFlags[i] = StackFlags.Skipped;
    warnings.add('other-instance', this.input, line);
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

const NO_BYTES = Buffer.alloc(0);

/**
 * A ` => frame` line of a stack entry (ftrace, trace-cmd report): one StackFrame
 * row, name = the frame's text after `=> ` (model/stackFrame.ts reads it once per
 * distinct text). Its position ties it to the Stack row before it. The text is kept
 * as printed, whatever its shape (%pS has several, by kernel version and config);
 * a line with no text after `=>` is no frame: counted as unparsed.
 */
function stackFrameRow(
  b: Uint8Array, s: number, e: number, line: number, out: BatchBuilder, strings: ByteInterner, warnings: Warnings, input: number,
): void {
  while (s < e && (b[s] === SP || b[s] === TAB)) s++;
  while (e > s && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR)) e--;
  if (s === e) {
    warnings.add('unparsed-line', input, line, 'stack frame line without a frame');
    return;
  }
  const i = out.push(EventKind.StackFrame, 0, 0, 0, 0, line);
  out.name[i] = strings.intern(b, s, e);
  out.stackRows++;
}

/**
 * Lines through every branch of the decoder, decoded once per thread by
 * throwaway decoders before the first real one. V8 optimizes the per-line code
 * after a few thousand lines; a branch it has no feedback for (the first
 * workqueue event, the first sched_switch line) then costs a deoptimization and
 * another ~100 ms compile of fastLine, two or three times per decode worker.
 */
const WARM_UP = [
  '# tracer: nop',
  '#',
  '          <idle>-0       [001] d.h2.   100.000001: lock_acquire: ffff888000000001 &rq->__lock',
  '          <idle>-0       [001] d.h2.   100.000002: lock_acquire: ffff888000000002 try read &x->lock',
  '          <idle>-0       [001] ..s1.   100.000003: lock_acquire: ffff888000000003 read rcu_read_lock',
  '          <idle>-0       [001] b..1.   100.000004: lock_acquire: ffff888000000004 try &y->lock',
  '          <idle>-0       [001] D.Z1.   100.000005: lock_release: ffff888000000001 &rq->__lock',
  '          <idle>-0       [001] X.H1.   100.000006: lock_contended: ffff888000000002 &x->lock',
  '          <idle>-0       [001] ...1.   100.000007: lock_acquired: ffff888000000002 &x->lock',
  '          <idle>-0       [001] ...1.   100.000008: lock_acquire: (____ptrval____) &z->lock',
  '     kworker/0:1-22      [000] ...1.   100.000009: workqueue_queue_work: work struct=ffff88807ade62a0 function=vmstat_update workqueue=mm_percpu_wq req_cpu=1 cpu=1',
  '     kworker/0:1-22      [000] ...1.   100.000010: workqueue_activate_work: work struct ffff88807ade62a0',
  '     kworker/0:1-22      [000] ...1.   100.000011: workqueue_execute_start: work struct ffff88807ade62a0: function vmstat_update',
  '     kworker/0:1-22      [000] ...1.   100.000012: workqueue_execute_end: work struct ffff88807ade62a0: function vmstat_update',
  '     kworker/0:1-22      [000] ...1.   100.000013: workqueue_execute_end: work struct',
  '            bash-100     [000] ...1.   100.000014: tracing_mark_write: lrtest: scenario x',
  '            bash-100     [000] d..2.   100.000015: sched_switch: prev_comm=bash prev_pid=100 ==> next_comm=swapper/0',
  '            bash-100     [000] d..2.   100.000016: lock_acquire: ffff888000000005',
  '            bash-100     [000] d..2.   100.000017: lock_acquire: ffff888000000005 name \r',
  '            bash-100     (    100) [000] d..2.   100.000018: lock_acquire: ffff888000000006 &t->lock',
  '            bash-100     [000] d..2   100.000019: lock_acquire: ffff888000000007 &old->lock',
  '        bash-100     0d..1 100.000020: lock_acquire: ffff888000000008 &lat->lock',
  '            bash-100     [000]   100.000021: lock_acquire: ffff888000000009 &noflags->lock',
  '          <idle>-0       [001] d.h2.   100.000024: <stack trace>',
  ' => trace_event_raw_event_lock_acquire+0xc5/0xd4',
  ' => lock2+0xf/0x3f [lrtest]',
  '            bash-100     [000]   100.000025: kernel_stack:         <stack trace >',
  '=> lock_acquire (ffffffff8108177f)',
  'CPU:1 [LOST 55 EVENTS]',
  '##### CPU 1 buffer started ####',
  'garbage',
  `            bash-100     [000] d..2.   100.000022: lock_acquire: ffff88800000000a ${'x'.repeat(200)}`,
  '            bash: 100     [000] d..2.   100.000023: lock_acquire: ffff88800000000b n',
  'cut-off',
].join('\n');
let warmedUp = false;

function warmUp(): void {
  warmedUp = true;
  const text = Buffer.from(WARM_UP);
  const withPrefix = Buffer.from(WARM_UP.replace(/^(?!#)/gm, 'lr: '));
  for (const opts of [
    { instanceMode: false, maxLineBytes: 200 },
    { instanceMode: true, instance: 'lr', maxLineBytes: 200 },
    { instanceMode: false, maxLineBytes: 200, customEvents: ['sched_switch'] },
  ]) {
    const d = new FtraceTextDecoder(0, opts, 4);
    for (let k = 0; k < 3; k++) {
      d.decode(text, 1);
      d.decode(withPrefix, 1);
      d.decodeBlock(text, k === 0, undefined, k === 2 ? [] : undefined);
    }
    d.decodeLongLine(1, 300);
  }
  // Enough strings for the interner's hash table to see collisions (its probing code), as a long capture will.
  const strings = new ByteInterner();
  for (let k = 0; k < 2000; k++) strings.internString(`warm-up ${k}`);
  for (let k = 0; k < 2000; k++) strings.internString(`warm-up ${k}`);
}

/** A Buffer view of the bytes: its indexOf is memchr, and the hot code sees one kind of array. */
function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function isCustom(names: Uint8Array[], b: Uint8Array, s: number, e: number): boolean {
  outer: for (const n of names) {
    if (n.length !== e - s) continue;
    for (let k = 0; k < n.length; k++) if (b[s + k] !== n[k]) continue outer;
    return true;
  }
  return false;
}

/** Index of the newline ending the line that contains i (the caller knows there is one). */
function lineEnd(b: Buffer, i: number): number {
  return b.indexOf(LF, i);
}

function trimComm(b: Uint8Array, s: number, e: number): number {
  while (e > s && b[e - 1] === 0x20) e--;
  return e;
}
