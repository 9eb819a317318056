/**
 * The kernel's own dependency graph (/proc/lockdep, with /proc/lockdep_stats
 * when given) indexed to answer one question for the replay's verdicts
 * (analysis/kernelGraphRule): did lockdep ever record from -> to?
 *
 * lockdep records prev -> next in check_prev_add() for every held lock with
 * `check` set when `next` is acquired with `check` and is no trylock
 * (validate_chain(), check_prevs_add()), unless locks_after already holds it;
 * on CONFIG_LOCKDEP_SMALL kernels check_redundant() also skips an edge a path
 * already implies. Entries are only removed with their class (zap_class()).
 * /proc/lockdep (l_show()) prints only distance-1 entries, and a class's FD
 * counts every class reachable over all of them (lockdep_count_forward_deps()).
 * So lockdep never recorded from -> to when, by name, every kernel class of
 * both ends is listed, no class named `from` reaches one named `to` over the
 * printed edges, and no class named `from` has room in its FD for an unprinted
 * (distance > 1) entry to one named `to`.
 *
 * Names are compared without `#N` (name_version) and without `/N` (the trace
 * shows no subclass): any kernel class of that name may be the replay's.
 */
import { readProcLockdep, type LockdepClass, type LockdepGraph } from './procLockdep.ts';
import { readLockdepStats, type LockdepStats } from './lockdepStats.ts';
import { adjacency, baseClassName, classesByName, hiddenEdgeFitsByClass, neverChained, normaliseClassName, reaches } from './lockdepComparison.ts';

/**
 * What the kernel's graph says about from -> to:
 *  - absent: never recorded (both ends listed, no path, no room for a hidden entry);
 *  - path: some class named `from` reaches one named `to` (recorded, or implied);
 *  - hidden: a class named `from` has room in its FD for an unprinted distance > 1 entry;
 *  - unlisted: the dump lists no class of one end's name (freed before the dump: a
 *    module unloaded, lockdep_free_key_range(); or a name the kernel prints otherwise);
 *  - unvalidated: a class of one end's name is listed with no dependency and no usage
 *    (FD 1, BD 1, "....": taken only with check=0 there, e.g. a novalidate class);
 *  - same-name: both ends have one name (a subclass the trace cannot show).
 */
export type KernelEdgeStatus = 'absent' | 'path' | 'hidden' | 'unlisted' | 'unvalidated' | 'same-name';

const keyName = (n: string): string => baseClassName(normaliseClassName(n));

export class KernelGraph {
  private readonly baseAdj: Map<string, Set<string>>;
  private readonly exactAdj: Map<string, Set<string>>;
  private readonly byName: Map<string, LockdepClass[]>;
  private readonly unvalidated = new Set<string>();
  private readonly memo = new Map<string, KernelEdgeStatus>();

  /**
   * `source` names the dump in reasons; `stats` is /proc/lockdep_stats of the same
   * boot (undefined: debug_locks unknown, taken as possibly 0).
   */
  constructor(graph: LockdepGraph, readonly source: string, readonly stats?: LockdepStats) {
    this.baseAdj = adjacency(graph.dependencies, keyName);
    this.exactAdj = adjacency(graph.dependencies, (n) => n);
    this.byName = classesByName(graph.classes, keyName);
    for (const c of graph.classes) if (neverChained(c)) this.unvalidated.add(keyName(c.name));
  }

  /** lockdep was still on when the dump was read (debug_locks 1): it recorded every dependency of the boot. */
  get onAtDump(): boolean {
    return this.stats?.debugLocks === 1;
  }

  /** The kernel's word on the replay's dependency `from` -> `to` (display names). */
  status(from: string, to: string): KernelEdgeStatus {
    const f = keyName(from), t = keyName(to);
    const k = `${f}\u0000${t}`;
    let s = this.memo.get(k);
    if (s === undefined) this.memo.set(k, (s = this.judge(f, t)));
    return s;
  }

  private judge(f: string, t: string): KernelEdgeStatus {
    if (!this.byName.has(f) || !this.byName.has(t)) return 'unlisted';
    if (this.unvalidated.has(f) || this.unvalidated.has(t)) return 'unvalidated';
    if (f === t) return 'same-name';
    if (reaches(this.baseAdj, f, t)) return 'path';
    // Some class named f with room in its FD for an unprinted (distance > 1) entry to one named t.
    return hiddenEdgeFitsByClass(this.exactAdj, this.byName, f, t) ? 'hidden' : 'absent';
  }
}

/** Loads /proc/lockdep (and /proc/lockdep_stats) of the traced boot; bad input is an InputError (exit 2). */
export async function loadKernelGraph(lockdepPath: string, statsPath?: string): Promise<KernelGraph> {
  const graph = await readProcLockdep(lockdepPath);
  const stats = statsPath !== undefined ? await readLockdepStats(statsPath) : undefined;
  return new KernelGraph(graph, lockdepPath, stats);
}
