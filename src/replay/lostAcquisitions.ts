/**
 * Acquisitions whose `lock_acquire` event was lost, recovered from what the
 * kernel still traced around them.
 *
 * 1. `lock_contended` / `lock_acquired` (LOCK_STAT) are only called between a
 *    lock_acquire() and its lock_release() by the same task (LOCK_CONTENDED():
 *    spin_acquire(); ... lock_contended(); lock(); lock_acquired()), and
 *    __lock_contended()/__lock_acquired() look the lock up in the task's held
 *    stack. So one of them for a lock the context does not hold means the
 *    context's lock_acquire of it was lost (a perf chunk, a ring-buffer
 *    overrun, the capture's start). The replayer pushes it as held, marked
 *    uncertain: its release then matches, and what it takes part in is kept
 *    as evidence but never proof (verdict `unverified` at most).
 *
 * 2. Release order. Kernel code releases nested locks innermost first almost
 *    always; when a context releases, one right after the other, locks whose
 *    acquisitions were all lost (recovered as in 1, or never seen: an
 *    unheld release), the later-released one was most likely taken first and
 *    held around the other: lockdep would have recorded outer -> inner. That
 *    dependency is inferred, marked uncertain and labelled as inferred, so a
 *    cycle that needs it is reported with the evidence written down, never as
 *    a plain `deadlock`. This is what lets a perf capture whose chunk holding
 *    lr2's `lock_acquire`s was lost (abba/perf_rerun: perf lost 3 chunks
 *    exactly while lockdep printed its splat) still show the ABBA cycle.
 */
export class LostAcquisitions {
  /**
   * Per context: the class of the lock it released last, if that release
   * ended a lost acquisition (recovered or unheld) and nothing else of the
   * context happened since; else -1.
   */
  private lastLost = new Int32Array(64).fill(-1);
  recovered = 0;
  inferred = 0;

  private grow(ctx: number): void {
    let n = this.lastLost.length;
    while (n <= ctx) n *= 2;
    const a = new Int32Array(n).fill(-1);
    a.set(this.lastLost);
    this.lastLost = a;
  }

  /** The context did something else (acquired, or released a lock whose acquisition was seen). */
  reset(ctx: number): void {
    if (ctx < this.lastLost.length) this.lastLost[ctx] = -1;
  }

  /** The context released `cls`, whose acquisition was lost; returns the inner class it was released after, or -1. */
  releasedLost(ctx: number, cls: number): number {
    if (ctx >= this.lastLost.length) this.grow(ctx);
    const inner = this.lastLost[ctx];
    this.lastLost[ctx] = cls;
    return inner;
  }
}

/** The label an inferred dependency's evidence carries (report, graph file). */
export function releaseOrderInference(outer: string, inner: string): string {
  return `inferred from release order: the acquisitions of ${outer} and ${inner} were lost, and ${inner} was released just before ${outer}`;
}
