/**
 * How `read` acquisitions are judged (kernel-semantics §3.6, trap 13). The
 * trace prints `read` for lockdep's read=1 (shared, non-recursive: down_read(),
 * x86 read_lock() in task context) and read=2 (recursive: rcu, seqcount
 * readers, read_lock() in interrupt context or with BH disabled). We decide,
 * per acquisition, with what the whole capture shows:
 *  - read in hardirq/softirq or with BH disabled            -> R (read_lock_is_recursive())
 *  - the name is a known recursive reader (seqcount, srcu)  -> R
 *  - the name is a known rw_semaphore reader                -> S
 *  - the class is taken for write somewhere in the capture  -> S (an rwsem or rwlock)
 *  - a class only ever read                                 -> R (a reader-only map such as lock_map_acquire_read())
 * Then lockdep's strong-path rule applies: a cycle can deadlock only if some
 * choice of the dependency kinds seen on its edges has no `*R` edge followed by
 * an `S*` edge, the closing edge included (__bfs() with only_xr).
 */
import type { LockClasses } from './lockClasses.ts';
import type { DependencyGraph } from '../graph/dependencyGraph.ts';
import { RawRead } from '../replay/readKinds.ts';

export enum ReadKind { E = 0, S = 1, R = 2 }
export const READ_KIND_LETTER = ['E', 'S', 'R'];

export function interpretRead(classes: LockClasses, cls: number, raw: number): ReadKind {
  if (raw === RawRead.Write) return ReadKind.E;
  if (raw === RawRead.ReadIrq) return ReadKind.R;
  switch (classes.readerKind(cls)) {
    case 'recursive': return ReadKind.R;
    case 'shared': return ReadKind.S;
    default: return classes.everWritten[cls] ? ReadKind.S : ReadKind.R;
  }
}

/** The (prev, next) read kinds seen on a dependency, as lockdep's dep bits would hold them. */
export function dependencyKinds(classes: LockClasses, graph: DependencyGraph, e: number): [ReadKind, ReadKind][] {
  const out: [ReadKind, ReadKind][] = [];
  const seen = new Set<number>();
  const m = graph.combos[e];
  for (let c = 0; c < 9; c++) {
    if (!(m & (1 << c))) continue;
    const p = interpretRead(classes, graph.from[e], Math.floor(c / 3));
    const n = interpretRead(classes, graph.to[e], c % 3);
    const k = p * 3 + n;
    if (!seen.has(k)) {
      seen.add(k);
      out.push([p, n]);
    }
  }
  return out;
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
