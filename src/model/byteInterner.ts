/**
 * Interns byte ranges (lock names, addresses, comms) to dense integer IDs
 * without building a string for ranges it has seen before: an open-addressing
 * hash table over an append-only byte arena (FNV-1a, compared byte by byte).
 * A string is decoded once, when a range is seen for the first time.
 *
 * ID 0 is the empty string. IDs are assigned in order of first appearance, so
 * the IDs of a decoder depend only on its input, never on timing.
 */
const EMPTY = 0;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class ByteInterner {
  // Room for a typical capture's strings from the start: every time a hot
  // field is replaced by a bigger array, V8 throws away the optimized code that
  // relied on it, which costs a decode worker tens of ms in its first frames.
  // A small input (fuzz cases, tests) may ask for less (`small`).
  private arena: Uint8Array;
  private arenaLen = 0;
  private offsets: Uint32Array;
  private lengths: Uint32Array;
  private hashes: Uint32Array;
  private table: Int32Array; // slot -> id + 1, 0 = free
  private mask: number;
  private count = 1; // id 0 = ''
  private texts: string[] = [''];
  /** First ID not yet handed out by takeNew(). */
  private reported = 1;

  constructor(small = false) {
    const ids = small ? 1 << 8 : 1 << 14;
    this.arena = new Uint8Array(small ? 1 << 12 : 1 << 20);
    this.arenaView = new DataView(this.arena.buffer);
    this.offsets = new Uint32Array(ids);
    this.lengths = new Uint32Array(ids);
    this.hashes = new Uint32Array(ids);
    this.table = new Int32Array(ids * 2);
    this.mask = ids * 2 - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Interns bytes [start, end) of buf. */
  intern(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len <= 0) return EMPTY;
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    h >>>= 0;
    const table = this.table, mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const e = table[slot];
      if (e === 0) break;
      const id = e - 1;
      if (this.hashes[id] === h && this.lengths[id] === len) {
        const off = this.offsets[id], arena = this.arena;
        let j = 0;
        while (j < len && arena[off + j] === buf[start + j]) j++;
        if (j === len) return id;
      }
      slot = (slot + 1) & mask;
    }
    return this.add(buf, start, end, h, slot);
  }

  /**
   * True if bytes [start, end) of buf are the text of `id`: lets a caller that
   * guesses an ID (say, the name last seen at this address) confirm it without
   * hashing or probing. The answer is exact, never a hash match.
   */
  matches(id: number, buf: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    if (id <= 0 || id >= this.count || this.lengths[id] !== len) return false;
    const off = this.offsets[id];
    let v: DataView;
    if (buf === this.viewOf) v = this.view;
    else if (buf === this.otherViewOf) v = this.otherView;
    else {
      // Two views: trace.dat interleaves the records of two CPUs' buffers, and a new view per switch would allocate.
      this.otherViewOf = this.viewOf;
      this.otherView = this.view;
      this.viewOf = buf;
      v = this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const a = this.arenaView;
    let j = 0;
    for (const last = len - 4; j <= last; j += 4) if (a.getInt32(off + j) !== v.getInt32(start + j)) return false;
    const arena = this.arena;
    while (j < len && arena[off + j] === buf[start + j]) j++;
    return j === len;
  }
  /** 4-byte comparisons in matches(): views of the arena and of the last two buffers asked about. */
  private viewOf: Uint8Array | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));
  private otherViewOf: Uint8Array | undefined;
  private otherView: DataView = this.view;
  private arenaView: DataView;

  /** Interns a JS string (slow path, for synthetic events and tests). */
  internString(s: string): number {
    const b = Buffer.from(s, 'utf8');
    return this.intern(b, 0, b.length);
  }

  text(id: number): string {
    return this.texts[id];
  }

  /** Strings introduced since the previous call, with the first ID among them. */
  takeNew(): { from: number; strings: string[] } {
    const from = this.reported;
    const strings = this.texts.slice(from, this.count);
    this.reported = this.count;
    return { from, strings };
  }

  private add(buf: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const len = end - start;
    const id = this.count++;
    if (id >= this.offsets.length) {
      const n = this.offsets.length * 2;
      this.offsets = grow32(this.offsets, n);
      this.lengths = grow32(this.lengths, n);
      this.hashes = grow32(this.hashes, n);
    }
    if (this.arenaLen + len > this.arena.length) {
      let n = this.arena.length * 2;
      while (n < this.arenaLen + len) n *= 2;
      const a = new Uint8Array(n);
      a.set(this.arena.subarray(0, this.arenaLen));
      this.arena = a;
      this.arenaView = new DataView(a.buffer);
    }
    this.arena.set(buf.subarray(start, end), this.arenaLen);
    this.offsets[id] = this.arenaLen;
    this.lengths[id] = len;
    this.hashes[id] = h;
    this.arenaLen += len;
    this.texts.push(Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('utf8'));
    this.table[slot] = id + 1;
    if (this.count * 2 > this.table.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const n = this.table.length * 2;
    const t = new Int32Array(n);
    const mask = n - 1;
    for (let id = 1; id < this.count; id++) {
      let s = this.hashes[id] & mask;
      while (t[s] !== 0) s = (s + 1) & mask;
      t[s] = id + 1;
    }
    this.table = t;
    this.mask = mask;
  }
}

function grow32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
