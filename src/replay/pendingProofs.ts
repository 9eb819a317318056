/**
 * Proof by a later release (kernel-semantics trap 5, "until a full release
 * sequence proves the state"). After lost events a held entry is uncertain:
 * its release may have been lost, so a dependency recorded from it may be
 * stale. But when the same context later releases that very entry with no
 * loss anywhere since the dependency was recorded, the lock was held all the
 * while: had it been released and taken again, the new acquisition would
 * have been seen (and pushed above it, and that release would have matched
 * it instead). So the dependency was real, lockdep recorded it too, and it
 * counts as clean from then on.
 *
 * The replay is one pass and the proof comes after the dependency, so each
 * such dependency leaves a pending record on the held entry it rests on; the
 * entry's release settles them. Records live in typed arrays (a free list, a
 * singly linked list per held entry, HeldStack.proof the heads): nothing is
 * allocated per event. A loss ends every proof in flight (a record is proof
 * only if no loss came between its dependency and the release), so every
 * loss empties the whole pool at once; between losses the pool is bounded,
 * and what does not fit is counted and stays unproven.
 */
import type { Evidence } from '../graph/evidence.ts';

/** At most this many records pending at once (then new ones are dropped and counted). */
export const MAX_PENDING_PROOFS = 1 << 16;
/** At most this many distinct dependencies pending on one held entry. */
export const MAX_PROOFS_PER_ENTRY = 64;

export class PendingProofs {
  private dep = new Int32Array(256);
  private count = new Int32Array(256);
  private next = new Int32Array(256);
  /** Evidence of the record's first observation, kept only while its dependency had no clean one. */
  private ev: (Evidence | undefined)[] = [];
  private used = 0;
  private free = -1;
  /** Records dropped because the pool or an entry's list was full. */
  dropped = 0;
  /** Observations proven, and dependencies that got their first clean evidence from a proof. */
  provenObservations = 0;
  provenDependencies = 0;

  /**
   * One more observation of dependency `e` resting on the entry whose list
   * starts at `head`: true if it was already pending there (counted), or if
   * the list is full (dropped, counted); false if the caller must push() it.
   */
  observe(head: number, e: number): boolean {
    let n = 0;
    for (let r = head; r >= 0; r = this.next[r]) {
      if (this.dep[r] === e) {
        this.count[r]++;
        return true;
      }
      n++;
    }
    if (n >= MAX_PROOFS_PER_ENTRY) {
      this.dropped++;
      return true;
    }
    return false;
  }

  /**
   * A new record for `e` in front of the list `head`; returns the new head.
   * `ev`: the observation's evidence, when its dependency has no clean one yet.
   */
  push(head: number, e: number, ev: Evidence | undefined): number {
    const r = this.alloc();
    if (r < 0) {
      this.dropped++;
      return head;
    }
    this.dep[r] = e;
    this.count[r] = 1;
    this.next[r] = head;
    this.ev[r] = ev;
    return r;
  }

  /** Calls `prove(dep, observations, evidence)` for every record of a released entry's list, and frees them. */
  settle(head: number, prove: (e: number, n: number, ev: Evidence | undefined) => void): void {
    let r = head;
    while (r >= 0) {
      const nx = this.next[r];
      prove(this.dep[r], this.count[r], this.ev[r]);
      this.provenObservations += this.count[r];
      this.release(r);
      r = nx;
    }
  }

  /** Frees a list without proving it (its entry left the stack some other way). */
  discard(head: number): void {
    let r = head;
    while (r >= 0) {
      const nx = this.next[r];
      this.release(r);
      r = nx;
    }
  }

  /** Events were lost: nothing pending can be proven any more. */
  reset(): void {
    if (this.used === 0 && this.free < 0) return;
    this.used = 0;
    this.free = -1;
    this.ev.length = 0;
  }

  private release(r: number): void {
    this.ev[r] = undefined;
    this.next[r] = this.free;
    this.free = r;
  }

  private alloc(): number {
    if (this.free >= 0) {
      const r = this.free;
      this.free = this.next[r];
      return r;
    }
    if (this.used >= MAX_PENDING_PROOFS) return -1;
    if (this.used === this.dep.length) {
      const n = this.dep.length * 2;
      const g = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
      this.dep = g(this.dep);
      this.count = g(this.count);
      this.next = g(this.next);
    }
    return this.used++;
  }
}
