/**
 * What a trace can say about the read kind of an acquisition: `read` prints for
 * both lockdep's read=1 (shared) and read=2 (recursive) (kernel-semantics §1.1,
 * trap 13). The replay records the raw kind of each end of a dependency;
 * analysis/readInterpretation turns it into lockdep's E/S/R with what the whole
 * capture shows.
 */
export enum RawRead {
  /** exclusive (no `read`) */
  Write = 0,
  /** `read` in task context with BH enabled: shared (rwsem, x86 rwlock) unless the class says otherwise */
  ReadTask = 1,
  /** `read` in hardirq/softirq or with BH disabled: read_lock_is_recursive() -> recursive */
  ReadIrq = 2,
}

/** Bit index of a (prev kind, next kind) combination on a dependency. */
export function comboOf(prevRaw: number, nextRaw: number): number {
  return prevRaw * 3 + nextRaw;
}
