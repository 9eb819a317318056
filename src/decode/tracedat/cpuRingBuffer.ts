/**
 * One CPU's ring-buffer pages, record by record (kernel/trace/ring_buffer.c;
 * header_page/header_event of the file). A page is a u64 timestamp, a commit
 * word (kernel long) whose low bits are the data size and whose bits 31/30 are
 * RB_MISSED_EVENTS / RB_MISSED_STORED, then events with a 32-bit header:
 * type_len:5 time_delta:27. type_len 0 = data, length in the next u32;
 * 1..28 = data of 4*type_len bytes; 29 padding; 30 time extend; 31 absolute
 * time stamp.
 *
 * Pages are read in blocks (uncompressed) or one compressed chunk at a time
 * (v7), so memory stays bounded whatever the file size. next() steps to the
 * next data record and leaves its timestamp and payload in public fields, so
 * the per-event path builds no objects.
 */
import { InputError } from '../../model/inputError.ts';
import type { RandomAccess } from './randomAccess.ts';
import type { CpuData, TraceDatMeta } from './traceDatMeta.ts';

const RB_MISSED_EVENTS = 0x80000000;
const RB_MISSED_STORED = 0x40000000;
/** libtraceevent's COMMIT_MASK: the flag bits above it are not size. */
const COMMIT_MASK = (1 << 27) - 1;
const TYPE_PADDING = 29, TYPE_TIME_EXTEND = 30, TYPE_TIME_STAMP = 31;
const BLOCK_PAGES = 64;
const TWO32 = 0x100000000;
/** Compressed bytes read at once per CPU stream. */
const READ_AHEAD = 1 << 20;

export class CpuRingBuffer {
  /** Current record: timestamp (ns), payload [rec, rec+recLen) in buf, and its byte position. */
  ts = 0;
  rec = 0;
  recLen = 0;
  pos = 0;
  /**
   * Missed events announced by a page read since the consumer last cleared this: -1 none,
   * 0 unknown count, else the count. The gap lies between the previous record of this CPU
   * and the first record of the announcing page.
   */
  lost = -1;
  buf: Buffer = Buffer.alloc(0);
  view = new DataView(this.buf.buffer);

  private readonly little: boolean;
  private readonly pageSize: number;
  /** Where the next block/chunk starts in the file, and where this CPU's data ends. */
  private next: number;
  private readonly end: number;
  private chunksLeft = -1;
  /** File position of buf[0] (uncompressed) or of the current chunk (compressed; positions inside a chunk are not file offsets). */
  private bufAt = 0;
  private compressedChunks: boolean;
  private page = 0; // offset of the current page in buf
  private p = 0; // offset of the next event header in buf
  private dataEnd = 0; // end of the current page's committed data in buf
  private pageLen = 0; // bytes of pages in buf
  /** Compressed data read ahead: file bytes [winAt, winAt + win.length) (chunks are ~10 pages: one read each cost a syscall pair). */
  private win: Buffer = Buffer.alloc(0);
  private winBuf: Buffer = Buffer.alloc(0);
  private winAt = 0;

  constructor(
    private readonly file: RandomAccess,
    private readonly meta: TraceDatMeta,
    readonly cpu: number,
    data: CpuData,
    pageSize: number,
    compressed: boolean,
  ) {
    this.little = meta.little;
    this.pageSize = pageSize;
    this.next = data.offset;
    // compressed: the size counts the chunks but not the u32 chunk count before them
    this.end = data.offset + data.size + (compressed && data.size > 0 ? 4 : 0);
    this.compressedChunks = compressed;
    if (this.end > file.size) {
      throw new InputError(file.name, { byte: file.size }, `truncated trace.dat: CPU ${data.cpu} data ends at byte ${this.end}, file has ${file.size}`);
    }
    if (compressed && data.size > 0) {
      const b = file.read(4, this.next, 'chunk count');
      this.chunksLeft = this.little ? b.readUInt32LE(0) : b.readUInt32BE(0);
      this.next += 4;
    }
    this.page = this.p = this.dataEnd = this.pageLen = 0;
  }

  /** Loads the next block of pages; false at the end of this CPU's data. */
  private load(): boolean {
    if (this.compressedChunks) {
      if (this.chunksLeft <= 0) return false;
      this.chunksLeft--;
      const at = this.next;
      const h = this.compressedBytes(at, 8, 'chunk header');
      const csize = this.little ? h.readUInt32LE(0) : h.readUInt32BE(0);
      const usize = this.little ? h.readUInt32LE(4) : h.readUInt32BE(4);
      if (at + 8 + csize > this.end) throw new InputError(this.file.name, { byte: at }, `corrupt trace.dat: chunk of ${csize} bytes runs past CPU ${this.cpu}'s data`);
      this.buf = this.meta.decompress!(this.compressedBytes(at + 8, csize, 'compressed chunk'), usize, at);
      this.bufAt = at;
      this.next = at + 8 + csize;
    } else {
      const left = this.end - this.next;
      if (left < this.pageSize) {
        if (left > 0) throw new InputError(this.file.name, { byte: this.next }, `truncated trace.dat: CPU ${this.cpu} data ends inside a page`);
        return false;
      }
      const n = Math.min(BLOCK_PAGES * this.pageSize, left - (left % this.pageSize));
      if (this.buf.length !== n) this.buf = Buffer.allocUnsafe(n);
      this.file.readInto(this.buf, 0, n, this.next, `CPU ${this.cpu} pages`);
      this.bufAt = this.next;
      this.next += n;
    }
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.pageLen = this.buf.length - (this.buf.length % this.pageSize);
    this.page = -this.pageSize;
    return true;
  }

  /** File bytes [at, at + len) of this CPU's compressed data, from the read-ahead window (valid until the next call). */
  private compressedBytes(at: number, len: number, what: string): Buffer {
    if (at < this.winAt || at + len > this.winAt + this.win.length) {
      // A window of READ_AHEAD bytes (or the one chunk, if larger), never past this CPU's data.
      const n = Math.max(len, Math.min(READ_AHEAD, this.end - at));
      if (this.winBuf.length < n) this.winBuf = Buffer.allocUnsafe(Math.max(n, READ_AHEAD));
      this.file.readInto(this.winBuf, 0, n, at, what);
      this.win = this.winBuf.subarray(0, n);
      this.winAt = at;
    }
    return this.win.subarray(at - this.winAt, at - this.winAt + len);
  }

  /** Byte position to report for buffer offset o. */
  private posOf(o: number): number {
    return this.compressedChunks ? this.bufAt : this.bufAt + o;
  }

  private corrupt(o: number, what: string): never {
    throw new InputError(this.file.name, { byte: this.posOf(o) }, `corrupt trace.dat: ${what} (CPU ${this.cpu})`);
  }

  /** Starts the next page (loading a block when needed); false at the end. */
  private nextPage(): boolean {
    for (;;) {
      this.page += this.pageSize;
      if (this.page >= this.pageLen) {
        if (!this.load()) return false;
        this.page = 0;
        if (this.pageLen === 0) continue;
      }
      const v = this.view, pg = this.page, L = this.little, lay = this.meta.page;
      this.ts = v.getUint32(pg + (L ? 0 : 4), L) + v.getUint32(pg + (L ? 4 : 0), L) * TWO32;
      // the flags live in bits 31/30 of the commit word: its low 32 bits
      const commitLo = v.getUint32(pg + lay.commitOffset + (L || lay.commitSize === 4 ? 0 : 4), L);
      const size = commitLo & COMMIT_MASK;
      const dataStart = pg + lay.dataOffset;
      if (dataStart + size > pg + this.pageSize) this.corrupt(pg, `page commit size ${size} exceeds the page`);
      this.p = dataStart;
      this.dataEnd = dataStart + size;
      if (commitLo & RB_MISSED_EVENTS) {
        // ring_buffer_read_page() sets the flag on the first page read after the writer overwrote
        // unread pages, and stores the count after the data when it fits (RB_MISSED_STORED);
        // libtraceevent's __kbuffer_load_subbuffer() reads it the same way (-1 = count unknown).
        let missed = 0;
        if (commitLo & RB_MISSED_STORED && this.dataEnd + lay.commitSize <= pg + this.pageSize) {
          const lo = v.getUint32(this.dataEnd + (L || lay.commitSize === 4 ? 0 : 4), L);
          const hi = lay.commitSize === 8 ? v.getUint32(this.dataEnd + (L ? 4 : 0), L) : 0;
          missed = hi ? 0xffffffff : lo;
        }
        // Flagged pages without a record in between are one gap; an unknown count stays unknown.
        if (this.lost < 0) {
          this.lost = missed;
          this.lostPos = this.posOf(pg);
        } else {
          this.lost = this.lost === 0 || missed === 0 ? 0 : Math.min(0xffffffff, this.lost + missed);
        }
      }
      return true;
    }
  }

  /** Position of the (first) page that announced `lost`. */
  lostPos = 0;

  /** Steps to the next data record; false when this CPU has no more. */
  advance(): boolean {
    const L = this.little;
    for (;;) {
      if (this.p + 4 > this.dataEnd) {
        if (!this.nextPage()) return false;
        continue;
      }
      const v = this.view, p = this.p;
      const h = v.getUint32(p, L);
      const typeLen = h & 31, delta = h >>> 5;
      if (typeLen === 0) {
        if (p + 8 > this.dataEnd) this.corrupt(p, 'event header runs past the page data');
        const a = v.getUint32(p + 4, L);
        // The length (array[0], which counts itself; ring_buffer.c rb_event_data_length()) must fit the page
        // before it is rounded up: as a 32-bit `& ~3`, a length of 2^31 or more turned negative and stepped
        // backwards, for ever or out of the page (found by npm run fuzz).
        if (a < 4 || a > this.dataEnd - p - 4) this.corrupt(p, `event length ${a} runs past the page data`);
        const len = (a - 4 + 3) & ~3;
        if (p + 8 + len > this.dataEnd) this.corrupt(p, `event length ${a} runs past the page data`);
        this.ts += delta;
        this.rec = p + 8;
        this.recLen = a - 4;
        this.pos = this.posOf(p);
        this.p = p + 8 + len;
        return true;
      }
      if (typeLen <= 28) {
        const len = typeLen * 4;
        if (p + 4 + len > this.dataEnd) this.corrupt(p, 'event runs past the page data');
        this.ts += delta;
        this.rec = p + 4;
        this.recLen = len;
        this.pos = this.posOf(p);
        this.p = p + 4 + len;
        return true;
      }
      if (typeLen === TYPE_PADDING) {
        // delta 0: the rest of the page is unused; otherwise a discarded event of 4 + array[0] bytes
        if (delta === 0 || p + 8 > this.dataEnd) {
          this.p = this.dataEnd;
          continue;
        }
        this.p = p + 4 + v.getUint32(p + 4, L);
        continue;
      }
      if (p + 8 > this.dataEnd) this.corrupt(p, 'time extend runs past the page data');
      const ext = v.getUint32(p + 4, L) * 134217728 + delta; // array[0] << 27
      if (typeLen === TYPE_TIME_EXTEND) this.ts += ext;
      else if (typeLen === TYPE_TIME_STAMP) this.ts = ext; // absolute
      this.p = p + 8;
    }
  }
}
