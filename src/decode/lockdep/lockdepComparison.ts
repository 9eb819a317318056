/**
 * Replayed dependencies vs the kernel's own graph (/proc/lockdep). Names are
 * compared after dropping lockdep's `#N` name_version (it numbers classes that
 * share a name in registration order, which a replay cannot reproduce); `/N`
 * subclasses are kept, since they are distinct classes in both graphs.
 */
import type { LockdepClass, LockdepGraph } from './procLockdep.ts';
import type { LockdepStats } from './lockdepStats.ts';

export interface DependencyPair {
  from: string;
  to: string;
  /** Replayed only: recorded only with uncertain held state (never clean), or refuted. */
  uncertain?: boolean;
  /**
   * Replayed only: lockdep's `distance` when the dependency was first recorded
   * (check_prevs_add(): lockdep_depth - depth + 1; more than 1 when trylocks or
   * check=0 entries sat between the two locks).
   */
  distance?: number;
  /** Replayed only: time (ns, trace clock) of its first observation. */
  firstNs?: number;
}

/**
 * Why a replayed dependency is not a direct edge of /proc/lockdep, each one
 * checked against the kernel's graph (explainReplayed()):
 *  - path: the replay recorded it with another lock held between the two
 *    (distance > 1 at its first record) and the kernel has a path from -> ...
 *    -> to: check_prevs_add() walks the held locks from the top and stops
 *    after the first non-trylock one it checks ("non-trylock entries have
 *    added their own direct dependencies already"), so lockdep connects the
 *    lower lock to the new one only through the locks between. A path alone
 *    at distance 1 explains nothing: check_redundant(), which would skip an
 *    implied edge, is compiled only on CONFIG_LOCKDEP_SMALL kernels;
 *  - distance: the kernel recorded it at distance > 1 (a trylock or a check=0
 *    lock such as rcu_read_lock between the two on the stack, when it was
 *    first added), and /proc/lockdep's l_show() prints only the distance-1
 *    entries of locks_after: checked by the class's FD (all entries, BFS)
 *    exceeding what its printed edges reach, by enough to hold `to` and all
 *    `to` reaches (hiddenEdgeFits());
 *  - subclass: with the /N subclasses dropped on both sides the kernel has it
 *    (direct or as a path): the trace shows no subclass (mutex_lock_nested(),
 *    spin_lock_nested()), so the replay's class is subclass 0 or an implicit
 *    guess where the kernel's is /N;
 *  - unvalidated: the kernel lists a class of it with no dependency at all
 *    (FD 1 and BD 1: itself) and no irq usage ("...."): lockdep never chained
 *    it, a check=0 map on that kernel (6.1 SRCU: rcu_lock_acquire()), which
 *    the replay's name table validates;
 *  - class-not-listed: the kernel lists no class of that name (subclass
 *    dropped): freed before the dump (module unloaded, workqueue destroyed:
 *    lockdep_free_key_range(), lockdep_unregister_key());
 *  - name: the kernel prints the class under another name: the trace's
 *    `(null)` map name is printed as its key's symbol (print_name() ->
 *    __get_key_name()); checked by the kernel listing a class the trace never names
 *    with the same neighbours;
 *  - after-report: first recorded after lockdep's first report, on a kernel
 *    whose /proc/lockdep_stats says `debug_locks: 0`: every report calls
 *    debug_locks_off(), and from then on lock_acquire() returns before
 *    __lock_acquire() (lockdep_enabled() is false), so nothing later is added
 *    to the graph; checked by the dependency's first observation coming after
 *    the moment the replay's earliest deadlock became reportable (the last
 *    piece of it seen), with debug_locks 0 read from the kernel's stats;
 *  - uncertain: recorded by the replay only while held state was uncertain
 *    (lost events, buffer start) or refuted: not evidence lockdep saw it;
 *  - unexplained: none of these.
 */
export type ReplayedReason = 'path' | 'distance' | 'subclass' | 'unvalidated' | 'class-not-listed' | 'name' | 'after-report' | 'uncertain' | 'unexplained';
/**
 * Why a kernel dependency is not a replayed one:
 *  - replay-path: the replay has it as a path (the replay's walk saw the
 *    classes nested, with a lock in between);
 *  - class-not-seen: a class the capture never acquires: recorded outside the
 *    capture's window;
 *  - not-nested: both classes are acquired in the window, never one under the
 *    other: recorded outside it (before tracing started, in lost events);
 *  - unexplained: none of these (only when the capture has no window edge:
 *    no lost events and no buffer start).
 */
export type KernelReason = 'replay-path' | 'class-not-seen' | 'not-nested' | 'unexplained';

export interface LockdepComparison {
  /** Distinct replayed dependencies after name normalisation. */
  replayed: number;
  /** Distinct kernel dependencies after name normalisation. */
  kernel: number;
  /** Replayed dependencies also in the kernel's graph. */
  common: number;
  /** Replayed dependencies whose two classes both exist (by name) in the kernel's class list. */
  replayedOverNamedClasses: number;
  /** ... and of those, how many are kernel dependencies. */
  commonOverNamedClasses: number;
  /** common / replayed, in percent (100 when nothing was replayed). */
  percentInKernel: number;
  /** commonOverNamedClasses / replayedOverNamedClasses, in percent. */
  percentInKernelOverNamedClasses: number;
  onlyInTrace: DependencyPair[];
  onlyInKernel: DependencyPair[];
}

export interface ExplainedComparison extends LockdepComparison {
  /** onlyInTrace by reason (each list sorted by name). */
  replayedReasons: Record<ReplayedReason, DependencyPair[]>;
  /** Replayed dependencies present (direct) or explained, in percent of all replayed. */
  percentExplained: number;
  kernelReasons: Record<KernelReason, DependencyPair[]>;
  /** Kernel dependencies replayed or explained, in percent of all kernel ones. */
  percentKernelExplained: number;
}

/** What the capture said beyond its dependencies: every class it acquired, and whether its window is open at the start. */
export interface ReplaySide {
  dependencies: DependencyPair[];
  /** Display names of every class acquired in the capture. */
  classes: string[];
  /** The capture has lost events or a buffer start (its window does not cover the whole boot). */
  partialWindow: boolean;
  /**
   * When (ns, trace clock) the replay's earliest `deadlock` finding became reportable: the latest
   * first-certain observation among what it needs. Lockdep reports there and turns itself off.
   */
  firstReportNs?: number;
}

/** Drops `#N` (name_version) before an optional `/N` subclass at the end of a class name. */
export function normaliseClassName(name: string): string {
  return name.replace(/#\d+(?=(\/\d+)?$)/, '');
}

const key = (p: DependencyPair): string => `${p.from}\u0000${p.to}`;

function distinct(pairs: Iterable<DependencyPair>): Map<string, DependencyPair> {
  const m = new Map<string, DependencyPair>();
  for (const p of pairs) {
    const n = { from: normaliseClassName(p.from), to: normaliseClassName(p.to) };
    m.set(key(n), n);
  }
  return m;
}

const byName = (a: DependencyPair, b: DependencyPair): number =>
  a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0;

const pct = (a: number, b: number): number => (b === 0 ? 100 : Math.round((a / b) * 10000) / 100);

export function compareWithLockdep(replayed: Iterable<DependencyPair>, kernel: LockdepGraph): LockdepComparison {
  const r = distinct(replayed);
  const k = distinct(kernel.dependencies);
  const kernelClasses = new Set(kernel.classes.map((c) => normaliseClassName(c.name)));
  const onlyInTrace: DependencyPair[] = [];
  let common = 0, named = 0, commonNamed = 0;
  for (const [id, p] of r) {
    const isNamed = kernelClasses.has(p.from) && kernelClasses.has(p.to);
    if (isNamed) named++;
    if (k.has(id)) {
      common++;
      if (isNamed) commonNamed++;
    } else {
      onlyInTrace.push(p);
    }
  }
  const onlyInKernel = [...k].filter(([id]) => !r.has(id)).map(([, p]) => p);
  onlyInTrace.sort(byName);
  onlyInKernel.sort(byName);
  return {
    replayed: r.size, kernel: k.size, common,
    replayedOverNamedClasses: named, commonOverNamedClasses: commonNamed,
    percentInKernel: pct(common, r.size), percentInKernelOverNamedClasses: pct(commonNamed, named),
    onlyInTrace, onlyInKernel,
  };
}

/** Drops a trailing `/N` subclass (after normaliseClassName()). */
export function baseClassName(name: string): string {
  return name.replace(/\/\d+$/, '');
}

/** Adjacency of a dependency list, by (already normalised) name. */
export function adjacency(pairs: Iterable<DependencyPair>, name: (n: string) => string): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const p of pairs) {
    const f = name(p.from), t = name(p.to);
    let s = m.get(f);
    if (!s) m.set(f, (s = new Set()));
    s.add(t);
  }
  return m;
}

/** Breadth-first: does `from` reach `to` over `adj`? */
export function reaches(adj: Map<string, Set<string>>, from: string, to: string): boolean {
  if (from === to) return false;
  const seen = new Set([from]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const y of adj.get(queue[i]) ?? []) {
      if (y === to) return true;
      if (!seen.has(y)) {
        seen.add(y);
        queue.push(y);
      }
    }
  }
  return false;
}

/** The classes `from` reaches over `adj`, `from` itself included. */
export function reach(adj: Map<string, Set<string>>, from: string, seen = new Set<string>()): Set<string> {
  if (seen.has(from)) return seen;
  seen.add(from);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const y of adj.get(queue[i]) ?? []) {
      if (!seen.has(y)) {
        seen.add(y);
        queue.push(y);
      }
    }
  }
  return seen;
}

/**
 * Could from -> to be one of the kernel's unprinted (distance > 1) edges? Its
 * FD (lockdep_count_forward_deps(): every class reachable over all of
 * locks_after) must cover what its printed edges reach plus `to` and all `to`
 * reaches; a class whose FD its printed edges already account for has no
 * hidden edge at all.
 */
function hiddenEdgeFits(adj: Map<string, Set<string>>, fd: Map<string, number>, from: string, to: string): boolean {
  const printed = reach(adj, from);
  const fdFrom = fd.get(from) ?? 0;
  // FD counts the class itself, as `printed` does.
  if (fdFrom <= printed.size) return false;
  return fdFrom >= reach(adj, to, new Set(printed)).size;
}

/**
 * hiddenEdgeFits() per kernel class rather than per name: classes that share a name once `#N` is
 * dropped (`ptlock_ptr(ptdesc)` and `ptlock_ptr(ptdesc)#2`, `lock#3` and `lock#4`) each have their own
 * FD and their own printed edges, and the merged adjacency can reach more than any one of them does,
 * hiding the room one of them has. True if some kernel class named `from` has an FD that covers what its
 * own printed edges reach plus some kernel class named `to` and all that one reaches.
 */
export function hiddenEdgeFitsByClass(exactAdj: Map<string, Set<string>>, byName: Map<string, LockdepClass[]>, from: string, to: string): boolean {
  for (const k of byName.get(from) ?? []) {
    const printed = reach(exactAdj, k.name);
    if (k.forwardDeps <= printed.size) continue;
    for (const t of byName.get(to) ?? []) {
      if (k.forwardDeps >= reach(exactAdj, t.name, new Set(printed)).size) return true;
    }
  }
  return false;
}

/** Kernel classes grouped by `name(class name)` (classes that share a name once #N or /N is dropped). */
export function classesByName(classes: readonly LockdepClass[], name: (n: string) => string): Map<string, LockdepClass[]> {
  const byName = new Map<string, LockdepClass[]>();
  for (const x of classes) {
    const n = name(x.name);
    const l = byName.get(n);
    if (l) l.push(x);
    else byName.set(n, [x]);
  }
  return byName;
}

/**
 * A class lockdep never chained: no dependency either way (FD 1 and BD 1 count only itself) and no irq
 * usage ("...."): on that kernel it is taken only with check=0 (a novalidate class, 6.1 SRCU's map).
 */
export function neverChained(x: LockdepClass): boolean {
  return x.forwardDeps <= 1 && x.backwardDeps <= 1 && /^\.*$/.test(x.usage);
}

/**
 * compareWithLockdep() plus a checked reason for every dependency on only one
 * side (ReplayedReason, KernelReason).
 */
export function explainComparison(side: ReplaySide, kernel: LockdepGraph, stats?: LockdepStats): ExplainedComparison {
  const c = compareWithLockdep(side.dependencies, kernel);
  const uncertain = new Set<string>();
  for (const p of side.dependencies) {
    if (p.uncertain) uncertain.add(key({ from: normaliseClassName(p.from), to: normaliseClassName(p.to) }));
  }
  // A dependency seen both clean and uncertain under one normalised name pair counts as clean.
  for (const p of side.dependencies) {
    if (!p.uncertain) uncertain.delete(key({ from: normaliseClassName(p.from), to: normaliseClassName(p.to) }));
  }
  const kAdj = adjacency(kernel.dependencies, normaliseClassName);
  const kBaseAdj = adjacency(kernel.dependencies, (n) => baseClassName(normaliseClassName(n)));
  const kClasses = new Set(kernel.classes.map((x) => normaliseClassName(x.name)));
  const exactAdj = adjacency(kernel.dependencies, (n) => n);
  const byName = classesByName(kernel.classes, normaliseClassName);
  const kBaseClasses = new Set([...kClasses].map(baseClassName));
  const traceNames = new Set(side.classes.map((n) => baseClassName(normaliseClassName(n))));
  // Kernel classes the trace never names: candidates for a name the kernel prints differently.
  const kernelOnlyNames = [...kBaseClasses].filter((n) => !traceNames.has(n));
  const distance = new Map<string, number>();
  for (const p of side.dependencies) {
    const k = key({ from: normaliseClassName(p.from), to: normaliseClassName(p.to) });
    if (p.distance !== undefined) distance.set(k, Math.min(distance.get(k) ?? p.distance, p.distance));
  }
  // FD per name (classes sharing a name once #N is dropped: the largest).
  const forwardDeps = new Map<string, number>();
  for (const x of kernel.classes) {
    const n = normaliseClassName(x.name);
    forwardDeps.set(n, Math.max(forwardDeps.get(n) ?? 0, x.forwardDeps));
  }
  const isolated = new Set<string>();
  for (const x of kernel.classes) if (neverChained(x)) isolated.add(normaliseClassName(x.name));
  for (const x of kernel.classes) if (x.forwardDeps > 1 || x.backwardDeps > 1) isolated.delete(normaliseClassName(x.name));
  // First observation per normalised pair (several replayed classes may share a name once #N is dropped).
  const firstNs = new Map<string, number>();
  for (const p of side.dependencies) {
    if (p.firstNs === undefined) continue;
    const k = key({ from: normaliseClassName(p.from), to: normaliseClassName(p.to) });
    firstNs.set(k, Math.min(firstNs.get(k) ?? p.firstNs, p.firstNs));
  }
  const offAt = stats?.debugLocks === 0 ? side.firstReportNs : undefined;
  const replayedReasons: Record<ReplayedReason, DependencyPair[]> = { path: [], distance: [], subclass: [], unvalidated: [], 'class-not-listed': [], name: [], 'after-report': [], uncertain: [], unexplained: [] };
  for (const p of c.onlyInTrace) {
    const bf = baseClassName(p.from), bt = baseClassName(p.to);
    let why: ReplayedReason;
    if ((distance.get(key(p)) ?? 1) > 1 && reaches(kAdj, p.from, p.to)) why = 'path';
    else if (hiddenEdgeFits(kAdj, forwardDeps, p.from, p.to) || ((distance.get(key(p)) ?? 1) > 1 && hiddenEdgeFitsByClass(exactAdj, byName, p.from, p.to))) why = 'distance';
    else if (kBaseAdj.get(bf)?.has(bt) || reaches(kBaseAdj, bf, bt)) why = 'subclass';
    else if (isolated.has(p.from) || isolated.has(p.to)) why = 'unvalidated';
    else if (!kBaseClasses.has(bf) || !kBaseClasses.has(bt)) {
      const missing = !kBaseClasses.has(bf) ? bf : bt, other = missing === bf ? bt : bf;
      // Another name for the same class: a kernel class the trace never names, joined to the other end the same way.
      const renamed = kernelOnlyNames.some((n) => (missing === bf ? kBaseAdj.get(n)?.has(other) : kBaseAdj.get(other)?.has(n)));
      why = missing === '(null)' && renamed ? 'name' : 'class-not-listed';
    } else if (offAt !== undefined && (firstNs.get(key(p)) ?? -Infinity) > offAt) why = 'after-report';
    else if (uncertain.has(key(p))) why = 'uncertain';
    else why = 'unexplained';
    replayedReasons[why].push(p);
  }
  const rAdj = adjacency(side.dependencies, normaliseClassName);
  const rClasses = new Set(side.classes.map(normaliseClassName));
  const kernelReasons: Record<KernelReason, DependencyPair[]> = { 'replay-path': [], 'class-not-seen': [], 'not-nested': [], unexplained: [] };
  for (const p of c.onlyInKernel) {
    let why: KernelReason;
    if (reaches(rAdj, p.from, p.to)) why = 'replay-path';
    else if (!rClasses.has(p.from) || !rClasses.has(p.to)) why = 'class-not-seen';
    else why = side.partialWindow ? 'not-nested' : 'unexplained';
    kernelReasons[why].push(p);
  }
  return {
    ...c, replayedReasons, kernelReasons,
    percentExplained: pct(c.replayed - replayedReasons.unexplained.length, c.replayed),
    percentKernelExplained: pct(c.kernel - kernelReasons.unexplained.length, c.kernel),
  };
}
