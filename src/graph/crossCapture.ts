/**
 * Cycles across captures: the union dependency graph of every capture of one
 * kernel version, grown one capture at a time. Each dependency new to the
 * union is checked as check_noncircular() checks a new dependency in one boot
 * (graph/dependencyGraph), so a deadlock whose two halves ran in different
 * boots is found when its second half arrives, the way lockdep would find it
 * in one boot that ran both.
 *
 * A cycle one capture shows by itself is that capture's finding (its replay
 * reports it); only a cycle that needs dependencies from several captures is
 * reported here. It is judged by the replay's own rules (analysis/verdicts:
 * recursive reads, uncertain held state, no irq flags) plus what a union of
 * boots cannot know (crossCaptureVerdict below):
 *  - lock instances never match across boots: a gate lock is compared by
 *    class, and a class held at every recording of every dependency makes the
 *    cycle `unverified`, never `deadlock` (the same lock, or another instance:
 *    the boots cannot tell);
 *  - lockdep's `#N` classes and per-workqueue dynamic keys are numbered per
 *    boot: a cycle passing such a class is `unverified` unless the
 *    dependencies into and out of it were recorded in one capture.
 * Kernel versions are never mixed: each kernel runs alone, so a dependency of
 * one version and its reverse in another are no deadlock (store `diff`
 * compares versions instead).
 *
 * Which cycle a closing dependency reports depends on the order captures
 * arrive in, as it depends on event order within one boot; a cycle already
 * found is re-judged when a later capture records one of its dependencies
 * from certain state (or narrows its gates), so its verdict does not. A
 * caller may remember() a cycle one capture showed by itself, to re-judge it
 * the same way (the store does: store/crossCaptureIngest).
 */
import { DEFAULT_REPLAY_OPTIONS } from '../replay/replayer.ts';
import type { Replayer } from '../replay/replayer.ts';
import type { Finding } from '../analysis/findings.ts';
import { cycleVerdict, judgeCycle, type CycleJudgement } from '../analysis/verdicts.ts';
import { chooseCycle } from '../analysis/cycleChoice.ts';
import { CyclePathScratch, type CycleRecord } from './cyclePaths.ts';
import { compareDependencies, compareNames, dependencyKey, type GraphClass, type GraphDependency, type GraphFile } from './graphFile.ts';
import { GraphImporter } from './importGraph.ts';

/** Captures remembered per dependency (a sample: the first ones), for citing and for matching dynamic classes. */
export const CAPTURES_PER_DEPENDENCY = 8;

export const CROSS_CAPTURE_CAVEAT =
  'found across captures: no single capture recorded every dependency of this cycle; each dependency cites the capture it came from';

export interface CrossCaptureFinding {
  finding: Finding;
  /** The captures the cycle's dependencies were cited from, sorted. */
  captures: string[];
  /** Chosen again for a closing dependency the union had, behind a dependency the capture raised (chooseAgain). */
  chosenAgain?: true;
}

/** Per union dependency: what a replay's graph does not keep across captures. */
interface UnionDep {
  /** The first captures it was seen in (at most CAPTURES_PER_DEPENDENCY), and how many in all. */
  captures: string[];
  captureCount: number;
  /** Classes held at every observation in every capture (gates compared by class: instances never match across boots). */
  gateClasses: number[] | null;
}

export class CrossCaptureUnion {
  private readonly imp = new GraphImporter(DEFAULT_REPLAY_OPTIONS);
  private readonly deps: UnionDep[] = [];
  private readonly scratch = new CyclePathScratch();
  /** Cross-capture cycles found so far (to re-judge), by their canonical dependency list. */
  private readonly cycles = new Map<string, CycleRecord>();
  private readonly verdicts = new Map<string, string>();
  /** Classes numbered per boot, or standing for several raw names (isPerBootClass, or changed by `normalise`). */
  private readonly perBoot = new Set<number>();
  /** remember()ed cycles waiting for their dependencies (registered by the next add()). */
  private readonly pending: { cycle: { from: string; to: string }[]; verdict: string; reason?: string | null }[] = [];

  /**
   * `normalise` maps a raw class name to the union's class (a store keys
   * classes by normalised name, analysis/findingIdentity); by default the
   * union is over raw display names, as `merge` is.
   */
  constructor(readonly kernel: string, private readonly normalise: (raw: string) => string = (raw) => raw) {}

  get replayer(): Replayer {
    return this.imp.replayer;
  }

  get size(): { classes: number; dependencies: number; cycles: number } {
    return { classes: this.replayer.classes.count, dependencies: this.replayer.graph.size, cycles: this.cycles.size };
  }

  /**
   * Folds a capture's graph (or a stored union: several captures) into the
   * union. With `judge`, returns the cross-capture findings its dependencies
   * closed and those whose verdict it changed; without, it only loads (a
   * store re-opening what earlier ingests found).
   * `isNew` (union class names) says which of g's dependencies are new to the
   * whole union, for a caller that loaded only part of it (a store loads the
   * paths a capture can close a cycle through): one it did not load is new to
   * this object, yet closes nothing.
   */
  add(g: GraphFile, judge = true, isNew?: (from: string, to: string) => boolean): CrossCaptureFinding[] {
    for (const c of g.captures) this.imp.addCapture(c);
    for (const c of g.classes) this.classOf(c.name, c);
    const graph = this.replayer.graph;
    const closedBefore = graph.closing.length, edgesBefore = graph.from.length;
    const touched = new Set<number>();
    const own = new Set<number>();
    // Recording order as merge's importGraph() adds them (capture, then event ordinal: a trace.dat's byte offsets are not in
    // time order), so a dependency closes, and its paths back are walked, as in merge.
    const byRecording = (a: GraphDependency, b: GraphDependency) => this.imp.compareRecording(a.first, b.first) || compareDependencies(a, b);
    for (const d of [...g.dependencies].sort(byRecording)) {
      const e = this.fold(d);
      touched.add(e);
      own.add(e);
    }
    for (const p of this.pending.splice(0)) this.rememberNow(p.cycle, p.verdict, p.reason);
    if (!judge) return [];
    const out: CrossCaptureFinding[] = [];
    const search = { truncated: false };
    const found = new Set<string>();
    // A cycle all of whose dependencies this capture recorded is the capture's own finding.
    const crosses = (c: CycleRecord) => c.edges.some((x) => !own.has(x));
    const names = this.replayer.classes;
    for (let k = closedBefore; k < graph.closing.length; k++) {
      const e = graph.closing[k];
      if (isNew && !isNew(names.displayName(graph.from[e]), names.displayName(graph.to[e]))) continue;
      this.reportChoice(e, search, crosses, found, out);
    }
    this.chooseAgain(own, edgesBefore, isNew, crosses, search, found, out);
    for (const [key, c] of this.cycles) {
      if (found.has(key) || !c.edges.some((x) => touched.has(x))) continue;
      const j = this.verdict(this.replayer, c);
      const had = this.verdicts.get(key);
      if (had === verdictKey(j) || had === verdictOnlyKey(j.verdict)) continue;
      out.push(this.finding(c, j, key));
    }
    return out;
  }

  /**
   * A store's capture raised dependencies the union had (`isNew` true for them: certain or unrefuted now where
   * every earlier observation was not): a cycle through one may now judge stronger than the one chosen for its
   * closing dependency when that arrived. Those closing dependencies choose again (a cycle's paths back run over
   * dependencies recorded before its closing one, so only those after a raised one can pass it), and a new
   * choice through a raised dependency is reported, as merge, choosing with every capture known, reports it.
   */
  private chooseAgain(
    own: Set<number>, edgesBefore: number, isNew: ((from: string, to: string) => boolean) | undefined,
    crosses: (c: CycleRecord) => boolean, search: { truncated: boolean }, found: Set<string>, out: CrossCaptureFinding[],
  ): void {
    if (!isNew) return;
    const graph = this.replayer.graph, names = this.replayer.classes;
    const raised = new Set([...own].filter((e) => e < edgesBefore && isNew(names.displayName(graph.from[e]), names.displayName(graph.to[e]))));
    if (!raised.size) return;
    const first = Math.min(...raised);
    for (const c of graph.closing) if (c > first && c < edgesBefore) this.reportChoice(c, search, crosses, found, out, raised);
  }

  /**
   * The cycle closing dependency e chooses, reported unless the union knows it already; with `through`, only a
   * choice through one of those dependencies, marked chosenAgain.
   */
  private reportChoice(
    e: number, search: { truncated: boolean }, crosses: (c: CycleRecord) => boolean, found: Set<string>, out: CrossCaptureFinding[],
    through?: Set<number>,
  ): void {
    const pick = chooseCycle(this.replayer, e, this.scratch, search, (r, c) => this.verdict(r, c), crosses);
    if (!pick || (through && !pick.cycle.edges.some((x) => through.has(x)))) return;
    const key = this.cycleKey(pick.cycle);
    if (this.cycles.has(key)) return;
    this.cycles.set(key, pick.cycle);
    found.add(key);
    const f = this.finding(pick.cycle, pick.judgement, key);
    out.push(through ? { ...f, chosenAgain: true } : f);
  }

  /**
   * Registers a cycle judged before (dependencies in cycle order): one found
   * across captures by an earlier ingest, or one a capture showed by itself,
   * so later captures re-judge it. A cycle whose dependencies the union does
   * not hold yet is registered when the next add() has folded its graph (a
   * capture's own cycle, remembered before the capture is added). A `null`
   * reason: only the verdict is known (a store keeps no reason for a
   * capture's own finding), so only a change of verdict reports it.
   */
  remember(cycle: { from: string; to: string }[], verdict: string, reason?: string | null): void {
    if (!this.rememberNow(cycle, verdict, reason)) this.pending.push({ cycle, verdict, reason });
  }

  private rememberNow(cycle: { from: string; to: string }[], verdict: string, reason?: string | null): boolean {
    const g = this.replayer.graph;
    const edges: number[] = [];
    for (const d of cycle) {
      const e = g.edgeId(this.classOf(d.from), this.classOf(d.to));
      if (e < 0) return false;
      edges.push(e);
    }
    const c: CycleRecord = { classes: edges.map((e) => g.from[e]), edges, closingEdge: Math.max(...edges) };
    const key = this.cycleKey(c);
    this.cycles.set(key, c);
    this.verdicts.set(key, reason === null ? verdictOnlyKey(verdict) : verdictKey({ verdict, reason }));
    return true;
  }

  /** Raw names whose class is per boot although the name does not show it (e.g. a store's aliases of a class). */
  markPerBoot(raw: string): void {
    this.classOf(raw);
  }

  /** The union's class of a raw name (its usage and read/write marks OR-ed in when given). */
  private classOf(raw: string, c?: GraphClass): number {
    const name = this.normalise(raw);
    const id = c ? this.imp.addClass({ ...c, name }) : this.imp.classOf(name);
    if (name !== raw || isPerBootClass(raw)) this.perBoot.add(id);
    return id;
  }

  private fold(raw: GraphDependency): number {
    const g = this.replayer.graph;
    const from = this.classOf(raw.from), to = this.classOf(raw.to);
    const d: GraphDependency = { ...raw, from: this.normalise(raw.from), to: this.normalise(raw.to) };
    const gateClasses = gateClassesOf(d, (n) => this.classOf(n));
    let e = g.edgeId(from, to);
    if (e < 0) {
      e = this.imp.addDependency(d);
      // Instances are per boot: the union's gates are compared by class (UnionDep.gateClasses).
      g.gates[e] = null;
      this.deps[e] = { captures: [], captureCount: 0, gateClasses };
    } else {
      g.count[e] += d.count;
      // Refuted observations add up as in graph/mergeGraphs: the union's dependency is refuted only if all of them are.
      g.refutedCount[e] += d.refuted ?? 0;
      g.combos[e] |= d.combos;
      if (d.clean > 0) {
        if (g.cleanCount[e] === 0 && d.firstClean) g.firstClean[e] = this.imp.evidence(d.firstClean);
        g.cleanCount[e] += d.clean;
      }
      const u = this.deps[e];
      u.gateClasses = intersect(u.gateClasses, gateClasses);
    }
    const u = this.deps[e];
    for (const c of d.captures.length ? d.captures : [d.first.capture]) {
      if (u.captures.includes(c)) continue;
      u.captureCount++;
      if (u.captures.length < CAPTURES_PER_DEPENDENCY) u.captures.push(c);
    }
    return e;
  }

  /** analysis/verdicts' judgement of a cycle, then what a union of boots cannot know. */
  private verdict(r: Replayer, c: CycleRecord): CycleJudgement {
    const j = cycleVerdict(r, c);
    if (j.verdict !== 'deadlock') return j;
    const gate = this.commonGateClass(c);
    if (gate !== undefined) {
      return {
        verdict: 'unverified',
        reason: `gate lock across captures: every dependency of the cycle was recorded while holding a ${gate} lock, but in different boots, ` +
          'where lock instances cannot be matched: it may be the same lock (then the sides never run at once) or not',
      };
    }
    const dyn = this.unmatchedDynamicClass(c);
    if (dyn !== undefined) {
      return {
        verdict: 'unverified',
        reason: `per-boot class across captures: ${dyn} stands for classes numbered per boot (lockdep's #N, or workqueues' own dynamic keys), and the ` +
          'dependencies into and out of it were recorded in different captures, so they may be different classes',
      };
    }
    return j;
  }

  /** A class (not in the cycle) held at every recording of every dependency of the cycle, in every capture. */
  private commonGateClass(c: CycleRecord): string | undefined {
    let common: number[] | null = null;
    for (const e of c.edges) {
      const g = this.deps[e].gateClasses;
      common = common === null ? g : intersect(common, g);
      if (!common || !common.length) return undefined;
    }
    const names = this.replayer.classes;
    const outside = (common ?? []).filter((x) => !c.classes.includes(x)).map((x) => names.displayName(x)).sort(compareNames);
    return outside[0];
  }

  /** A per-boot-numbered class of the cycle whose dependency in and dependency out share no capture. */
  private unmatchedDynamicClass(c: CycleRecord): string | undefined {
    const n = c.edges.length;
    for (let k = 0; k < n; k++) {
      if (!this.perBoot.has(c.classes[k])) continue;
      const name = this.replayer.classes.displayName(c.classes[k]);
      const into = this.deps[c.edges[(k + n - 1) % n]], outOf = this.deps[c.edges[k]];
      if (!into.captures.some((x) => outOf.captures.includes(x))) return name;
    }
    return undefined;
  }

  private finding(c: CycleRecord, j: CycleJudgement, key: string): CrossCaptureFinding {
    this.verdicts.set(key, verdictKey(j));
    const f = judgeCycle(this.replayer, this.imp.inputs, c, j);
    f.caveats = [...(f.caveats ?? []), CROSS_CAPTURE_CAVEAT];
    const captures = new Set<string>();
    c.edges.forEach((e, k) => {
      const u = this.deps[e];
      f.dependencies[k].captures = [...u.captures].sort(compareNames);
      const cited = (f.dependencies[k].firstClean ?? f.dependencies[k].first).input;
      captures.add(u.captures.find((x) => cited === x || cited.startsWith(`${x}: `)) ?? u.captures[0]);
    });
    return { finding: f, captures: [...captures].sort(compareNames) };
  }

  private cycleKey(c: CycleRecord): string {
    const g = this.replayer.graph, names = this.replayer.classes;
    return JSON.stringify(c.edges.map((e) => dependencyKey(names.displayName(g.from[e]), names.displayName(g.to[e]))));
  }
}

/**
 * Names whose class identity is per boot: lockdep's `#N` (the N-th class
 * registered under one name) and workqueue maps with a number in the name
 * (a dynamic key per workqueue, wq_init_lockdep(), e.g. one per loop device).
 */
export function isPerBootClass(name: string): boolean {
  const base = name.replace(/\/\d+$/, '');
  return /#\d+$/.test(base) || (base.startsWith('(wq_completion)') && /\d/.test(base.slice('(wq_completion)'.length)));
}

function verdictKey(j: { verdict: string; reason?: string }): string {
  return `${j.verdict}\u0000${j.reason ?? ''}`;
}

/** The key of a verdict whose reason is not known (never equal to a verdictKey()). */
function verdictOnlyKey(verdict: string): string {
  return `${verdict}\u0001`;
}

function gateClassesOf(d: GraphDependency, classOf: (name: string) => number): number[] | null {
  if (!d.gates.length) return null;
  return [...new Set(d.gates.map((x) => classOf(x.class)))].sort((a, b) => a - b);
}

function intersect(a: number[] | null, b: number[] | null): number[] | null {
  if (!a || !b) return null;
  const keep = a.filter((x) => b.includes(x));
  return keep.length ? keep : null;
}
