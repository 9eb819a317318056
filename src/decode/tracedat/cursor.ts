/**
 * Sequential reads of trace.dat metadata in the file's endianness, either
 * straight from the file (v6 headers, uncompressed v7 sections) or from a
 * decompressed v7 section held in memory. Every read past the end is an
 * InputError with the byte offset (for a decompressed section: the offset of
 * the section in the file, since positions inside it have no file offset).
 */
import { InputError } from '../../model/inputError.ts';
import type { RandomAccess } from './randomAccess.ts';

export class Cursor {
  pos: number;
  private readonly tmp = Buffer.alloc(8);

  constructor(
    private readonly file: RandomAccess,
    readonly little: boolean,
    start: number,
    /** Decompressed section bytes; undefined = read the file at `pos`. */
    private readonly mem?: Buffer,
    /** File offset of the section, for messages about `mem`. */
    private readonly memAt = 0,
  ) {
    this.pos = start;
  }

  /** File offset to report for the current position. */
  get at(): number {
    return this.mem ? this.memAt : this.pos;
  }

  bytes(n: number, what: string): Buffer {
    if (n < 0 || !Number.isFinite(n)) throw new InputError(this.file.name, { byte: this.at }, `corrupt ${this.file.label}: bad size ${n} for ${what}`);
    let b: Buffer;
    if (this.mem) {
      if (this.pos + n > this.mem.length) {
        throw new InputError(this.file.name, { byte: this.memAt }, `corrupt ${this.file.label}: ${what} runs past the end of its section`);
      }
      b = this.mem.subarray(this.pos, this.pos + n);
    } else {
      b = this.file.read(n, this.pos, what);
    }
    this.pos += n;
    return b;
  }

  private small(n: number, what: string): Buffer {
    if (this.mem) return this.bytes(n, what);
    this.file.readInto(this.tmp, 0, n, this.pos, what);
    this.pos += n;
    return this.tmp;
  }

  u8(what: string): number {
    return this.small(1, what)[0];
  }
  u16(what: string): number {
    const b = this.small(2, what);
    return this.little ? b.readUInt16LE(0) : b.readUInt16BE(0);
  }
  u32(what: string): number {
    const b = this.small(4, what);
    return this.little ? b.readUInt32LE(0) : b.readUInt32BE(0);
  }
  /** A 64-bit size or offset; values past 2^53 cannot be file positions and are refused. */
  u64(what: string): number {
    const at = this.at;
    const b = this.small(8, what);
    const lo = this.little ? b.readUInt32LE(0) : b.readUInt32BE(4);
    const hi = this.little ? b.readUInt32LE(4) : b.readUInt32BE(0);
    if (hi >= 0x200000) throw new InputError(this.file.name, { byte: at }, `corrupt ${this.file.label}: ${what} is too large`);
    return hi * 0x100000000 + lo;
  }

  /** A NUL-terminated string (at most `max` bytes). */
  cstr(what: string, max = 4096): string {
    const start = this.pos;
    if (this.mem) {
      const e = this.mem.indexOf(0, this.pos);
      if (e < 0 || e - start > max) throw new InputError(this.file.name, { byte: this.memAt }, `corrupt ${this.file.label}: unterminated ${what}`);
      this.pos = e + 1;
      return this.mem.toString('utf8', start, e);
    }
    const chunk = Math.min(max + 1, Math.max(0, this.fileSize() - start));
    const b = this.file.read(chunk, start, what);
    const e = b.indexOf(0);
    if (e < 0) throw new InputError(this.file.name, { byte: start }, `${chunk <= max ? 'truncated' : 'corrupt'} ${this.file.label}: unterminated ${what}`);
    this.pos = start + e + 1;
    return b.toString('utf8', 0, e);
  }

  private fileSize(): number {
    return this.file.size;
  }
}
