/**
 * The columnar event batch: the only thing that crosses a thread boundary.
 *
 * One typed array per field, all of `length` valid entries. String-valued
 * fields (lock name, address, comm, function, workqueue name, marker text)
 * hold IDs from the decoder's own interner; the batch carries the texts it
 * introduced (`stringsFrom` .. `stringsFrom + strings.length - 1`) so the main
 * thread can remap them to global IDs in input order (see model/globalStrings).
 */
export interface EventBatch {
  /** Position of this batch in its input (0, 1, 2, ...). */
  seq: number;
  /** Index of the input (file) this batch came from. */
  input: number;
  length: number;
  kind: Uint8Array;
  /** Integer nanoseconds; exact below 2^53 (about 104 days of uptime). */
  tsNs: Float64Array;
  cpu: Uint16Array;
  pid: Int32Array;
  irq: Uint8Array;
  lockFlags: Uint8Array;
  name: Uint32Array;
  addr: Uint32Array;
  comm: Uint32Array;
  aux: Uint32Array;
  /** Line number (text formats) or byte offset (binary formats) of the event. */
  pos: Float64Array;
  /**
   * Stack and StackFrame rows in this batch (absent or 0: none). Set by the
   * decoders; a batch without them costs the stack pairing nothing.
   */
  stackRows?: number;
  /**
   * Stack ID (model/stackTable.ts, 0 = none) of each row's event, filled on the
   * main thread by replay/stackPairing.ts before the replay; absent when the
   * batch has no stack rows. Never crosses a thread boundary.
   */
  stack?: Uint32Array;
  /** First decoder-local string ID introduced by this batch. */
  stringsFrom: number;
  /** Texts of the decoder-local IDs introduced by this batch, in ID order. */
  strings: string[];
}

/** Reserved string ID: "no string" (e.g. an event without a name). ID 0 is always the empty string. */
export const NO_STRING = 0;

/** Bytes per entry of each column, in batchTransferList() order. */
const COLUMN_BYTES = [1, 8, 2, 4, 1, 1, 4, 4, 4, 4, 8];

/** The transferable buffers of a batch, for Piscina.move / postMessage transfer lists. */
export function batchTransferList(b: EventBatch): ArrayBuffer[] {
  return [b.kind, b.tsNs, b.cpu, b.pid, b.irq, b.lockFlags, b.name, b.addr, b.comm, b.aux, b.pos].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/**
 * Appends events into preallocated columns; `finish()` hands out a batch
 * trimmed to its length (views, no copy) and starts a new one.
 */
export class BatchBuilder {
  length = 0;
  kind!: Uint8Array;
  tsNs!: Float64Array;
  cpu!: Uint16Array;
  pid!: Int32Array;
  irq!: Uint8Array;
  lockFlags!: Uint8Array;
  name!: Uint32Array;
  addr!: Uint32Array;
  comm!: Uint32Array;
  aux!: Uint32Array;
  pos!: Float64Array;
  /** Stack and StackFrame rows pushed since the last batch was handed out. */
  stackRows = 0;
  private capacity: number;

  constructor(capacity = 65536) {
    this.capacity = capacity;
    this.alloc(capacity);
  }

  private alloc(n: number): void {
    this.kind = new Uint8Array(n);
    this.tsNs = new Float64Array(n);
    this.cpu = new Uint16Array(n);
    this.pid = new Int32Array(n);
    this.irq = new Uint8Array(n);
    this.lockFlags = new Uint8Array(n);
    this.name = new Uint32Array(n);
    this.addr = new Uint32Array(n);
    this.comm = new Uint32Array(n);
    this.aux = new Uint32Array(n);
    this.pos = new Float64Array(n);
  }

  private grow(): void {
    const n = this.capacity * 2;
    const old = this;
    const k = old.kind, t = old.tsNs, c = old.cpu, p = old.pid, i = old.irq, l = old.lockFlags;
    const nm = old.name, a = old.addr, cm = old.comm, ax = old.aux, ps = old.pos;
    this.alloc(n);
    this.kind.set(k); this.tsNs.set(t); this.cpu.set(c); this.pid.set(p); this.irq.set(i);
    this.lockFlags.set(l); this.name.set(nm); this.addr.set(a); this.comm.set(cm); this.aux.set(ax); this.pos.set(ps);
    this.capacity = n;
  }

  /** Reserves one event slot and returns its index; the caller fills every column. */
  push(kind: number, tsNs: number, cpu: number, pid: number, irq: number, pos: number): number {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.kind[i] = kind;
    this.tsNs[i] = tsNs;
    this.cpu[i] = cpu;
    this.pid[i] = pid;
    this.irq[i] = irq;
    this.pos[i] = pos;
    this.lockFlags[i] = 0;
    this.name[i] = 0;
    this.addr[i] = 0;
    this.comm[i] = 0;
    this.aux[i] = 0;
    return i;
  }

  /** Appends rows [start, end) of `from`, column by column (a memcpy each, not a row at a time). */
  appendRows(from: BatchBuilder, start: number, end: number): void {
    const n = end - start, at = this.length;
    while (this.capacity < at + n) this.grow();
    this.kind.set(from.kind.subarray(start, end), at);
    this.tsNs.set(from.tsNs.subarray(start, end), at);
    this.cpu.set(from.cpu.subarray(start, end), at);
    this.pid.set(from.pid.subarray(start, end), at);
    this.irq.set(from.irq.subarray(start, end), at);
    this.lockFlags.set(from.lockFlags.subarray(start, end), at);
    this.name.set(from.name.subarray(start, end), at);
    this.addr.set(from.addr.subarray(start, end), at);
    this.comm.set(from.comm.subarray(start, end), at);
    this.aux.set(from.aux.subarray(start, end), at);
    this.pos.set(from.pos.subarray(start, end), at);
    this.length = at + n;
  }

  /**
   * Like finish(), but hands out the builder's own columns (views of their
   * first `length` entries, no copy) and goes on in `next`: the buffers of a
   * batch the caller is done with (batchTransferList() order), or new ones
   * when there are none or they do not fit. No per-batch allocation when the
   * batches come back (decode workers).
   */
  handOff(seq: number, input: number, stringsFrom: number, strings: string[], next: ArrayBuffer[] | undefined): EventBatch {
    const n = this.length;
    const b: EventBatch = {
      seq, input, length: n, stringsFrom, strings,
      kind: this.kind.subarray(0, n), tsNs: this.tsNs.subarray(0, n), cpu: this.cpu.subarray(0, n),
      pid: this.pid.subarray(0, n), irq: this.irq.subarray(0, n), lockFlags: this.lockFlags.subarray(0, n),
      name: this.name.subarray(0, n), addr: this.addr.subarray(0, n), comm: this.comm.subarray(0, n),
      aux: this.aux.subarray(0, n), pos: this.pos.subarray(0, n),
    };
    if (this.stackRows) b.stackRows = this.stackRows;
    this.stackRows = 0;
    const c = next?.length === 11 ? next[0].byteLength : 0;
    const fits = c >= this.capacity && next!.every((ab, k) => ab.byteLength === c * COLUMN_BYTES[k]);
    if (fits) {
      const [k, t, cp, p, i, l, nm, a, cm, ax, ps] = next!;
      this.kind = new Uint8Array(k); this.tsNs = new Float64Array(t); this.cpu = new Uint16Array(cp); this.pid = new Int32Array(p);
      this.irq = new Uint8Array(i); this.lockFlags = new Uint8Array(l); this.name = new Uint32Array(nm); this.addr = new Uint32Array(a);
      this.comm = new Uint32Array(cm); this.aux = new Uint32Array(ax); this.pos = new Float64Array(ps);
      this.capacity = c;
    } else {
      this.alloc(this.capacity);
    }
    this.length = 0;
    return b;
  }

  finish(seq: number, input: number, stringsFrom: number, strings: string[]): EventBatch {
    const n = this.length;
    const b: EventBatch = {
      seq, input, length: n, stringsFrom, strings,
      kind: this.kind.slice(0, n), tsNs: this.tsNs.slice(0, n), cpu: this.cpu.slice(0, n),
      pid: this.pid.slice(0, n), irq: this.irq.slice(0, n), lockFlags: this.lockFlags.slice(0, n),
      name: this.name.slice(0, n), addr: this.addr.slice(0, n), comm: this.comm.slice(0, n),
      aux: this.aux.slice(0, n), pos: this.pos.slice(0, n),
    };
    if (this.stackRows) b.stackRows = this.stackRows;
    this.stackRows = 0;
    this.length = 0;
    return b;
  }
}
