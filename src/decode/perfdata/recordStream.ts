/**
 * perf.data records one after another (struct perf_event_header: u32 type,
 * u16 misc, u16 size, then the body), read from [start, end) of the file
 * through a window, so memory stays bounded whatever the file size. next()
 * leaves the current record in public fields (no object per record); a
 * record must lie whole inside the window, which is refilled at the record's
 * start when it does not.
 */
import { InputError } from '../../model/inputError.ts';
import type { RandomAccess } from '../tracedat/randomAccess.ts';
import { RECORD_HEADER_BYTES } from './perfAbi.ts';

/**
 * Bytes read at once (a record is at most 64 KB: its size is a u16). Small on purpose: the window's pages
 * are touched again at every refill instead of fresh ones being faulted in, ~1,000 page faults less per
 * file than with 4 MB (on none's 16 MB perf.data: 500-700 faults a decode instead of 1,050-1,260, 59 ms
 * CPU instead of 89-101 in a warm process; a fault measured ~10-16 us on these 2-core VMs).
 */
const WINDOW = 256 << 10;

export class RecordStream {
  /** The window: file bytes [bufAt, bufAt + bufLen). */
  buf: Buffer;
  view: DataView;
  /** Current record: type, misc, size, its offset in buf and in the file. */
  type = 0;
  misc = 0;
  size = 0;
  at = 0;
  pos = 0;
  private bufAt = 0;
  private bufLen = 0;
  /** File offset of the next record. */
  private nextPos: number;

  constructor(
    private readonly file: RandomAccess,
    start: number,
    /** End of the records (file mode: of the data section; pipe mode: of the file). */
    private readonly end: number,
    private readonly little: boolean,
  ) {
    this.nextPos = start;
    // only bytes read from the file are ever looked at: no need to zero the window
    this.buf = Buffer.allocUnsafeSlow(Math.max(RECORD_HEADER_BYTES, Math.min(WINDOW, end - start)));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Steps to the next record; false at the end. */
  next(): boolean {
    const p = this.nextPos;
    if (p >= this.end) return false;
    if (p + RECORD_HEADER_BYTES > this.end) this.cut(p, RECORD_HEADER_BYTES);
    this.ensure(p, RECORD_HEADER_BYTES);
    const at = p - this.bufAt, v = this.view, L = this.little;
    const size = v.getUint16(at + 6, L);
    if (size < RECORD_HEADER_BYTES) {
      throw new InputError(this.file.name, { byte: p }, `corrupt perf.data: record of ${size} bytes (a record is at least its ${RECORD_HEADER_BYTES}-byte header)`);
    }
    if (p + size > this.end) this.cut(p, size);
    this.ensure(p, size);
    this.type = v.getUint32(p - this.bufAt, L);
    this.misc = v.getUint16(p - this.bufAt + 4, L);
    this.size = size;
    this.at = p - this.bufAt;
    this.pos = p;
    this.nextPos = p + size;
    return true;
  }

  /** Skips `n` bytes that follow the current record outside its size (tracing data, AUX data). */
  skip(n: number, what: string): void {
    if (this.nextPos + n > this.end) {
      throw new InputError(this.file.name, { byte: this.pos }, `truncated perf.data: ${what} of ${n} bytes after the record at byte ${this.pos} runs past byte ${this.end}`);
    }
    this.nextPos += n;
  }

  /** File offset right after the current record. */
  get after(): number {
    return this.pos + this.size;
  }

  private cut(p: number, need: number): never {
    const whole = this.end === this.file.size ? `the file has ${this.file.size} bytes` : `the data section ends at byte ${this.end}`;
    throw new InputError(this.file.name, { byte: p }, `truncated perf.data: the record at byte ${p} needs ${need} bytes, ${whole}`);
  }

  /** Makes file bytes [p, p + n) available in the window. */
  private ensure(p: number, n: number): void {
    if (p >= this.bufAt && p + n <= this.bufAt + this.bufLen) return;
    const len = Math.min(this.buf.length, this.end - p);
    this.file.readInto(this.buf, 0, len, p, 'perf.data records');
    this.bufAt = p;
    this.bufLen = len;
  }
}
