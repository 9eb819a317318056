/**
 * The held-lock stack of one execution context (lockdep's current->held_locks
 * for one irq_context segment), as typed arrays: no object per held lock.
 * Every entry carries the chain key of the stack up to it; the stack keeps it
 * right itself whenever entries or their flags change.
 */
import { chainKeyHi, chainKeyLo } from './chainCache.ts';

export enum HeldFlags {
  Try = 1,
  Read = 2,
  /** check=0 map: skipped by the dependency walk (check_prevs_add()). */
  Unvalidated = 4,
  /** Read taken in irq context or with BH disabled (rwlock readers are recursive there). */
  ReadInIrq = 8,
  /**
   * Pushed while the context's history was incomplete (before every CPU's
   * buffer started, or before lost events on its CPU): its release may have
   * been lost, so dependencies from it are not proof.
   */
  Uncertain = 16,
  /**
   * Acquired with hardirqs or BH off: its ENABLED_* usage may still be set by a
   * later event of the context showing them on (mark_held_locks(), §4.4).
   */
  EnablePending = 32,
  /** Its lock_acquire was lost; pushed from lock_contended/lock_acquired (replay/lostAcquisitions.ts). */
  Recovered = 64,
  /**
   * Its class (implicit subclass) was chosen from uncertain entries of the same
   * name: even its release cannot prove a dependency of it (replay/pendingProofs).
   */
  ClassGuess = 128,
}

/** HeldStack.pendingFrom when no entry waits for its ENABLED_* usage. */
export const NO_PENDING = 0x7fffffff;

export class HeldStack {
  depth = 0;
  /**
   * Acquisitions past the replay's depth limit (ReplayOptions.maxDepth) that
   * were not pushed and not yet released: conceptually above the top entry.
   */
  overflow = 0;
  /**
   * No entry below this index has EnablePending (NO_PENDING: none has), so the
   * per-event mark_held_locks() scan starts here instead of at the bottom of a
   * deep stack. Kept conservative by push/remove/dropBelow; the scan tightens it.
   */
  pendingFrom = NO_PENDING;
  cls: Int32Array;
  inst: Int32Array;
  name: Int32Array;
  flags: Uint8Array;
  /** Input, position and time of the acquire (for evidence). */
  input: Int32Array;
  pos: Float64Array;
  ts: Float64Array;
  /** Call stack of the acquire (model/stackTable ID, 0 = none). */
  stack: Uint32Array;
  /** Chain key up to and including this entry (lockdep's chain_key), in halves (replay/chainCache). */
  chainLo: Int32Array;
  chainHi: Int32Array;
  /** Head of the entry's pending-proof records (replay/pendingProofs), -1 = none. */
  proof: Int32Array;

  constructor(capacity = 8) {
    this.cls = new Int32Array(capacity);
    this.inst = new Int32Array(capacity);
    this.name = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.input = new Int32Array(capacity);
    this.pos = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.stack = new Uint32Array(capacity);
    this.chainLo = new Int32Array(capacity);
    this.chainHi = new Int32Array(capacity);
    this.proof = new Int32Array(capacity);
  }

  push(cls: number, inst: number, name: number, flags: number, input: number, pos: number, ts: number, stack = 0): void {
    if (this.depth === this.cls.length) this.grow();
    const d = this.depth++;
    this.cls[d] = cls;
    this.inst[d] = inst;
    this.name[d] = name;
    this.flags[d] = flags;
    this.input[d] = input;
    this.pos[d] = pos;
    this.ts[d] = ts;
    this.stack[d] = stack;
    this.proof[d] = -1;
    this.link(d);
    if (flags & HeldFlags.EnablePending && d < this.pendingFrom) this.pendingFrom = d;
  }

  /** Index of the topmost entry holding (instance, name), or -1. */
  find(inst: number, name: number): number {
    for (let i = this.depth - 1; i >= 0; i--) if (this.inst[i] === inst && this.name[i] === name) return i;
    return -1;
  }

  /** Removes entry i, shifting the ones above it down. */
  remove(i: number): void {
    const d = --this.depth;
    if (i < d) {
      this.cls.copyWithin(i, i + 1, d + 1);
      this.inst.copyWithin(i, i + 1, d + 1);
      this.name.copyWithin(i, i + 1, d + 1);
      this.flags.copyWithin(i, i + 1, d + 1);
      this.input.copyWithin(i, i + 1, d + 1);
      this.pos.copyWithin(i, i + 1, d + 1);
      this.ts.copyWithin(i, i + 1, d + 1);
      this.stack.copyWithin(i, i + 1, d + 1);
      this.chainLo.copyWithin(i, i + 1, d + 1);
      this.chainHi.copyWithin(i, i + 1, d + 1);
      this.proof.copyWithin(i, i + 1, d + 1);
    }
    if (i < this.pendingFrom && this.pendingFrom !== NO_PENDING) this.pendingFrom--;
    this.rechain(i);
  }

  /** Keeps only entries [from, depth). */
  dropBelow(from: number): void {
    if (from <= 0) return;
    const d = this.depth;
    this.cls.copyWithin(0, from, d);
    this.inst.copyWithin(0, from, d);
    this.name.copyWithin(0, from, d);
    this.flags.copyWithin(0, from, d);
    this.input.copyWithin(0, from, d);
    this.pos.copyWithin(0, from, d);
    this.ts.copyWithin(0, from, d);
    this.stack.copyWithin(0, from, d);
    this.chainLo.copyWithin(0, from, d);
    this.chainHi.copyWithin(0, from, d);
    this.proof.copyWithin(0, from, d);
    this.depth = d - from;
    if (this.pendingFrom !== NO_PENDING) this.pendingFrom = this.pendingFrom > from ? this.pendingFrom - from : 0;
    this.rechain(0);
  }

  /** Sets the chain key of entry d on top of entry d-1 (EnablePending is bookkeeping, not part of the chain). */
  private link(d: number): void {
    const cls = this.cls[d];
    this.chainLo[d] = chainKeyLo(d ? this.chainLo[d - 1] : 0, cls, this.flags[d] & ~HeldFlags.EnablePending);
    this.chainHi[d] = chainKeyHi(d ? this.chainHi[d - 1] : 0, cls, this.inst[d]);
  }

  /** Recomputes the chain keys from entry `from` up. */
  private rechain(from: number): void {
    for (let d = from; d < this.depth; d++) this.link(d);
  }

  /**
   * Every entry becomes Uncertain, and its pending proofs end (the caller
   * empties the proof pool: a loss ends them all). Keys change only from the
   * lowest entry that was not: every lost-events marker marks every context,
   * mostly again.
   */
  markAllUncertain(): void {
    let from = this.depth;
    for (let i = this.depth - 1; i >= 0; i--) {
      this.proof[i] = -1;
      if (this.flags[i] & HeldFlags.Uncertain) continue;
      this.flags[i] |= HeldFlags.Uncertain;
      from = i;
    }
    this.rechain(from);
  }

  hasUncertain(): boolean {
    for (let i = 0; i < this.depth; i++) if (this.flags[i] & HeldFlags.Uncertain) return true;
    return false;
  }

  snapshotClasses(): number[] {
    return Array.from(this.cls.subarray(0, this.depth));
  }

  private grow(): void {
    const n = this.cls.length * 2;
    const g32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    const g64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    this.cls = g32(this.cls);
    this.inst = g32(this.inst);
    this.name = g32(this.name);
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.flags = f;
    this.input = g32(this.input);
    this.pos = g64(this.pos);
    this.ts = g64(this.ts);
    const s = new Uint32Array(n);
    s.set(this.stack);
    this.stack = s;
    this.chainLo = g32(this.chainLo);
    this.chainHi = g32(this.chainHi);
    this.proof = g32(this.proof);
  }
}
