/**
 * Positioned reads of a trace.dat or perf.data. Both formats point around the
 * file (option sections, per-CPU data, perf's feature sections after its
 * data), so they need random access: a plain regular file is read in place;
 * compressed input or stdin is first streamed into a temp file under
 * os.tmpdir(), which close() deletes (also when decoding fails), or kept in
 * memory when the caller allows it and the input is small. Memory stays
 * bounded: nothing reads a large file whole.
 */
import { closeSync, createWriteStream, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import type { OpenedInput } from '../../io/openInput.ts';
import { InputError } from '../../model/inputError.ts';

export class RandomAccess {
  private constructor(
    /** Input name for messages. */
    readonly name: string,
    /** The regular file read: the input itself, or its temp copy. */
    readonly path: string,
    private readonly fd: number,
    /** Size in bytes of the (decompressed) file. */
    readonly size: number,
    private readonly tempDir: string | undefined,
    /** The format's name in messages ("truncated trace.dat: ..."). */
    readonly label: string,
    /** The whole input, when it was small enough to keep in memory (fd is then -1). */
    private readonly mem?: Buffer,
  ) {}

  /**
   * Reopens a regular file that open() made readable (a decode worker opens the
   * path the main thread hands it; the main thread keeps its own RandomAccess,
   * which owns any temp copy, until the worker is done).
   */
  static reopen(path: string, name: string, label = 'trace.dat'): RandomAccess {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(name, undefined, `cannot reopen for random access (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return new RandomAccess(name, path, fd, fstatSync(fd).size, undefined, label);
  }

  /**
   * `memoryBelow`: a stream (compressed input, stdin) that ends within this many bytes is kept in
   * memory instead of a temp file (no path then: such a file cannot be reopened by a worker).
   */
  static async open(input: OpenedInput, label = 'trace.dat', memoryBelow = 0): Promise<RandomAccess> {
    if (input.compression === 'none' && input.name !== '<stdin>') {
      let fd: number;
      try {
        fd = openSync(input.name, 'r');
      } catch (e) {
        throw new InputError(input.name, undefined, `cannot reopen for random access (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const st = fstatSync(fd);
      if (st.isFile()) return new RandomAccess(input.name, resolve(input.name), fd, st.size, undefined, label);
      closeSync(fd); // a pipe or device: fall through to the temp copy
    }
    const it = input.chunks[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    if (memoryBelow > 0) {
      for (;;) {
        const r = await it.next();
        if (r.done) {
          const mem = Buffer.concat(head, headBytes);
          return new RandomAccess(input.name, '', -1, mem.length, undefined, label, mem);
        }
        head.push(r.value);
        headBytes += r.value.length;
        if (headBytes >= memoryBelow) break;
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-dat-'));
    const path = join(dir, label);
    try {
      const out = createWriteStream(path);
      for (const c of head) if (!out.write(c)) await once(out, 'drain');
      for (let r = await it.next(); !r.done; r = await it.next()) if (!out.write(r.value)) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
      const fd = openSync(path, 'r');
      return new RandomAccess(input.name, path, fd, fstatSync(fd).size, dir, label);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Reads exactly len bytes at pos into dst[at..]; a short read is a truncated file. */
  readInto(dst: Uint8Array, at: number, len: number, pos: number, what: string): void {
    if (len < 0) throw new InputError(this.name, { byte: Math.min(Math.max(pos, 0), this.size) }, `corrupt ${this.label}: ${what} of ${len} bytes`);
    if (pos < 0 || pos + len > this.size) {
      throw new InputError(this.name, { byte: Math.min(Math.max(pos, 0), this.size) }, `truncated ${this.label}: ${what} needs ${len} bytes at byte ${pos}, file has ${this.size}`);
    }
    if (this.mem) {
      this.mem.copy(dst, at, pos, pos + len);
      return;
    }
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, dst, at + done, len - done, pos + done);
      if (n <= 0) throw new InputError(this.name, { byte: pos + done }, `truncated ${this.label} while reading ${what}`);
      done += n;
    }
  }

  read(len: number, pos: number, what: string): Buffer {
    // a corrupt size must be an InputError, not an allocation failure
    if (len < 0 || pos < 0 || pos + len > this.size) this.readInto(Buffer.alloc(0), 0, len, pos, what);
    const b = Buffer.allocUnsafe(len);
    this.readInto(b, 0, len, pos, what);
    return b;
  }

  close(): void {
    try {
      if (this.fd >= 0) closeSync(this.fd);
    } finally {
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    }
  }
}
