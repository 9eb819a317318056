/**
 * How `read` acquisitions are judged (kernel-semantics §3.6, trap 13). The
 * trace prints `read` for lockdep's read=1 (shared, non-recursive) and read=2
 * (recursive) alike; lockdep's choice comes from the lock type's macro
 * (include/linux/lockdep.h):
 *  - rwlock_acquire_read(): read=2 only if read_lock_is_recursive()
 *    (kernel/locking/lockdep.c: force_read_lock_recursive, a kernel without
 *    CONFIG_QUEUED_RWLOCKS, or in_interrupt()); else lock_acquire_shared(), read=1.
 *    Every 64-bit architecture lockreplay meets selects queued rwlocks.
 *  - rwsem_acquire_read() (down_read*(), percpu_down_read()): lock_acquire_shared(), read=1.
 *  - seqcount_acquire_read(), lock_map_acquire_read(): lock_acquire_shared_recursive(), read=2.
 *  - rcu_lock_acquire() (rcu_read_lock*(), 6.1 srcu): lock_acquire(..., read=2, check=0);
 *    6.12 srcu_lock_acquire() is lock_map_acquire_read(): read=2.
 * What the trace gives to tell them apart, in this order:
 *  1. the name of a well-known class (analysis/knownClasses): RCU, SRCU, seqcount -> R; rwsem -> S;
 *  2. a read in hardirq/softirq or with BH disabled: in_interrupt() -> R (an rwlock_t;
 *     rwsem readers cannot sleep there);
 *  3. lock_contended/lock_acquired of the class: only LOCK_CONTENDED() emits them
 *     (__raw_read_lock(), down_read()), never a lockdep_map, seqcount or RCU map, so
 *     the class is a real rwlock_t or rw_semaphore, and a task-context read is S;
 *  4. otherwise the trace cannot tell (a lock_map_acquire_read() map or a seqcount
 *     reader: R; a percpu_rw_semaphore, or an rwlock_t/rw_semaphore only ever
 *     taken by trylock or on a kernel without LOCK_STAT: S). Such a read is
 *     `undetermined`: a verdict that holds only if it is S is `unverified`,
 *     never `deadlock` and never silently benign.
 * Then lockdep's strong-path rule applies: a cycle can deadlock only if some
 * choice of the dependency kinds seen on its edges has no `*R` edge followed by
 * an `S*` edge, the closing edge included (__bfs() with only_xr).
 */
import type { LockClasses } from './lockClasses.ts';
import type { DependencyGraph } from '../graph/dependencyGraph.ts';
import { RawRead } from '../replay/readKinds.ts';

export enum ReadKind { E = 0, S = 1, R = 2 }
export const READ_KIND_LETTER = ['E', 'S', 'R'];

/**
 * lockdep's read kind of an acquisition of `cls` with raw kind `raw`; an
 * undetermined read (rule 4) is taken as `assume` (S: the stricter reading,
 * which finds every cycle the kernel could; R: the lenient one).
 */
export function interpretRead(classes: LockClasses, cls: number, raw: number, assume: ReadKind.S | ReadKind.R = ReadKind.S): ReadKind {
  if (raw === RawRead.Write) return ReadKind.E;
  switch (classes.readerKind(cls)) {
    case 'recursive': return ReadKind.R;
    case 'shared': return ReadKind.S;
    default:
      if (raw === RawRead.ReadIrq) return ReadKind.R;
      return classes.lockStat[cls] ? ReadKind.S : assume;
  }
}

/** True when the trace cannot settle lockdep's read kind of this acquisition (rule 4 above). */
export function readUndetermined(classes: LockClasses, cls: number, raw: number): boolean {
  return interpretRead(classes, cls, raw, ReadKind.S) !== interpretRead(classes, cls, raw, ReadKind.R);
}

/** The (prev, next) read kinds seen on a dependency, as lockdep's dep bits would hold them. */
export function dependencyKinds(classes: LockClasses, graph: DependencyGraph, e: number, assume: ReadKind.S | ReadKind.R = ReadKind.S): [ReadKind, ReadKind][] {
  const out: [ReadKind, ReadKind][] = [];
  const seen = new Set<number>();
  const m = graph.combos[e];
  for (let c = 0; c < 9; c++) {
    if (!(m & (1 << c))) continue;
    const p = interpretRead(classes, graph.from[e], Math.floor(c / 3), assume);
    const n = interpretRead(classes, graph.to[e], c % 3, assume);
    const k = p * 3 + n;
    if (!seen.has(k)) {
      seen.add(k);
      out.push([p, n]);
    }
  }
  return out;
}

/** Classes of these dependencies whose `read` acquisitions on them the trace cannot classify (display order kept). */
export function undeterminedReaders(classes: LockClasses, graph: DependencyGraph, edges: readonly number[]): number[] {
  const out: number[] = [];
  for (const e of edges) {
    const m = graph.combos[e];
    for (let c = 0; c < 9; c++) {
      if (!(m & (1 << c))) continue;
      const ends: [number, number][] = [[graph.from[e], Math.floor(c / 3)], [graph.to[e], c % 3]];
      for (const [cls, raw] of ends) if (!out.includes(cls) && readUndetermined(classes, cls, raw)) out.push(cls);
    }
  }
  return out;
}

/** The reason text of a verdict that holds only if the undetermined readers are shared (read=1). */
export function undeterminedReason(names: string[]): string {
  return `holds only if ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} taken as a shared reader (read=1: rwlock_t in task context ` +
    `on a queued-rwlock kernel, rw_semaphore); the trace cannot tell ${names.length === 1 ? 'it' : 'them'} from a recursive reader ` +
    `(read=2: lock_map_acquire_read(), seqcount), which would make it harmless: no lock_contended/lock_acquired event shows ${names.length === 1 ? 'it' : 'them'} to be a real lock`;
}

/** True if some choice of kinds per edge makes the cycle strong (no *R edge followed by an S* edge, cyclically). */
export function isStrongCycle(kinds: [ReadKind, ReadKind][][]): boolean {
  const n = kinds.length;
  const opts = kinds.map((ks) => {
    const o = new Set<number>(); // bit0: prev shared (not E), bit1: next recursive
    for (const [p, x] of ks) o.add((p !== ReadKind.E ? 1 : 0) | (x === ReadKind.R ? 2 : 0));
    return [...o];
  });
  for (const first of opts[0]) {
    // feasible "next is R" states after choosing edges 0..k
    let states = new Set<number>([first]);
    for (let k = 1; k < n; k++) {
      const next = new Set<number>();
      for (const s of states) for (const o of opts[k]) if (!((s & 2) && (o & 1))) next.add(o);
      states = next;
      if (!states.size) break;
    }
    for (const s of states) if (!((s & 2) && (first & 1))) return true;
  }
  return false;
}

/** check_deadlock(): a same-class re-acquire is allowed when the new one is a recursive read after any read. */
export function recursionAllowed(prev: ReadKind, next: ReadKind): boolean {
  return next === ReadKind.R && prev !== ReadKind.E;
}
