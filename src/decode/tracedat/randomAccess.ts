/**
 * Positioned reads of a trace.dat. The format points around the file (option
 * sections, per-CPU data), so it needs random access: a plain regular file is
 * read in place; compressed input or stdin is first streamed into a temp file
 * under os.tmpdir(), which close() deletes (also when decoding fails).
 * Memory stays bounded: nothing reads the whole file.
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
  ) {}

  /**
   * Reopens a regular file that open() made readable (a decode worker opens the
   * path the main thread hands it; the main thread keeps its own RandomAccess,
   * which owns any temp copy, until the worker is done).
   */
  static reopen(path: string, name: string): RandomAccess {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(name, undefined, `cannot reopen for random access (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return new RandomAccess(name, path, fd, fstatSync(fd).size, undefined);
  }

  static async open(input: OpenedInput): Promise<RandomAccess> {
    if (input.compression === 'none' && input.name !== '<stdin>') {
      let fd: number;
      try {
        fd = openSync(input.name, 'r');
      } catch (e) {
        throw new InputError(input.name, undefined, `cannot reopen for random access (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const st = fstatSync(fd);
      if (st.isFile()) return new RandomAccess(input.name, resolve(input.name), fd, st.size, undefined);
      closeSync(fd); // a pipe or device: fall through to the temp copy
    }
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-dat-'));
    const path = join(dir, 'trace.dat');
    try {
      const out = createWriteStream(path);
      for await (const c of input.chunks) if (!out.write(c)) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
      const fd = openSync(path, 'r');
      return new RandomAccess(input.name, path, fd, fstatSync(fd).size, dir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Reads exactly len bytes at pos into dst[at..]; a short read is a truncated file. */
  readInto(dst: Uint8Array, at: number, len: number, pos: number, what: string): void {
    if (pos < 0 || pos + len > this.size) {
      throw new InputError(this.name, { byte: Math.min(Math.max(pos, 0), this.size) }, `truncated trace.dat: ${what} needs ${len} bytes at byte ${pos}, file has ${this.size}`);
    }
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, dst, at + done, len - done, pos + done);
      if (n <= 0) throw new InputError(this.name, { byte: pos + done }, `truncated trace.dat while reading ${what}`);
      done += n;
    }
  }

  read(len: number, pos: number, what: string): Buffer {
    const b = Buffer.allocUnsafe(len);
    this.readInto(b, 0, len, pos, what);
    return b;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } finally {
      if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    }
  }
}
