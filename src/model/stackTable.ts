/**
 * The run's call stacks, interned twice over: a frame is one global string
 * (its text as the capture printed it) and gets a frame ID the first time it
 * is seen; a stack is a sequence of frame IDs and gets a stack ID the first
 * time that sequence is seen. A stack seen 10,000 times costs one entry; an
 * event refers to its stack by ID (EventBatch.stack, Evidence.stack).
 *
 * IDs follow first appearance in input order (the pairing runs on the main
 * thread in order), so they are the same whatever the worker count.
 * Typed arrays and an open-addressing table: no object per stack or event.
 *
 * API (for every stack producer, e.g. perf.data callchains):
 *   frameOf(stringId)            -> frame ID (>= 1) for a global string ID of the frame's text
 *   begin(); add(frameId)...; end() -> stack ID (>= 1; 0 = "no stack", never returned)
 *   framesOf(stackId)            -> the frame IDs, top (innermost) first
 *   frame(frameId)               -> parsed StackFrame (func, off, size, module, addr), cached
 *   tracepointOf(stackId)        -> the tracepoint its top frames name, if any
 */
import type { GlobalStrings } from './globalStrings.ts';
import { parseStackFrame, tracepointOfFrame, type StackFrame } from './stackFrame.ts';

/** Stack ID meaning "no stack". */
export const NO_STACK = 0;

export class StackTable {
  /** Frame ID by global string ID (0: not a frame yet). */
  private frameByString = new Int32Array(1024);
  /** Global string ID of each frame (index = frame ID; 0 unused). */
  private frameString: number[] = [0];
  private parsed: (StackFrame | undefined)[] = [undefined];
  /** Frame IDs of every stack, back to back; stack k is pool[start[k], start[k] + len[k]). */
  private pool = new Uint32Array(4096);
  private poolLen = 0;
  private start = new Uint32Array(256);
  private len = new Uint32Array(256);
  private hashOf = new Int32Array(256);
  /** Number of stacks + 1 (ID 0 is "none"). */
  private count = 1;
  /** Open addressing: stack ID per slot, 0 = empty. */
  private slots = new Int32Array(1024);
  /** The stack being built (frames are appended to the pool after the last stack). */
  private building = 0;

  constructor(private readonly strings: GlobalStrings) {}

  get stacks(): number {
    return this.count - 1;
  }

  get frames(): number {
    return this.frameString.length - 1;
  }

  frameOf(stringId: number): number {
    if (stringId >= this.frameByString.length) {
      let n = this.frameByString.length;
      while (n <= stringId) n *= 2;
      const a = new Int32Array(n);
      a.set(this.frameByString);
      this.frameByString = a;
    }
    let id = this.frameByString[stringId];
    if (id === 0) {
      id = this.frameByString[stringId] = this.frameString.length;
      this.frameString.push(stringId);
      this.parsed.push(undefined);
    }
    return id;
  }

  /** The frame's text as the capture printed it. */
  frameText(frameId: number): string {
    return this.strings.text(this.frameString[frameId]);
  }

  frame(frameId: number): StackFrame {
    let f = this.parsed[frameId];
    if (!f) this.parsed[frameId] = f = parseStackFrame(this.frameText(frameId));
    return f;
  }

  begin(): void {
    this.building = 0;
  }

  add(frameId: number): void {
    const at = this.poolLen + this.building;
    if (at >= this.pool.length) {
      const p = new Uint32Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
    }
    this.pool[at] = frameId;
    this.building++;
  }

  /** Interns the frames added since begin() as a stack; its ID (a stack of no frames is 0, "none"). */
  end(): number {
    const n = this.building, s = this.poolLen, pool = this.pool;
    this.building = 0;
    if (n === 0) return NO_STACK;
    let h = n;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ pool[s + k], 0x9e3779b1) ^ (h >>> 15);
    const mask = this.slots.length - 1;
    for (let slot = (h >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot];
      if (id === 0) break;
      if (this.hashOf[id] !== h || this.len[id] !== n) continue;
      const o = this.start[id];
      let same = true;
      for (let k = 0; k < n && same; k++) same = pool[o + k] === pool[s + k];
      if (same) return id;
    }
    const id = this.count++;
    if (id >= this.start.length) this.growStacks();
    this.start[id] = s;
    this.len[id] = n;
    this.hashOf[id] = h;
    this.poolLen += n;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  framesOf(stackId: number): Uint32Array {
    return this.pool.subarray(this.start[stackId], this.start[stackId] + this.len[stackId]);
  }

  /** The tracepoint named by the stack's top frames (the handler that recorded it), or undefined. */
  tracepointOf(stackId: number): string | undefined {
    const ids = this.framesOf(stackId);
    for (let k = 0; k < ids.length && k < 4; k++) {
      const t = tracepointOfFrame(this.frame(ids[k]));
      if (t !== undefined) return t;
    }
    return undefined;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let slot = (this.hashOf[id] >>> 0) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 1; id < this.count; id++) this.place(id);
  }

  private growStacks(): void {
    const n = this.start.length * 2;
    const g = <T extends Uint32Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
    this.start = g(this.start, new Uint32Array(n));
    this.len = g(this.len, new Uint32Array(n));
    this.hashOf = g(this.hashOf, new Int32Array(n));
  }
}
