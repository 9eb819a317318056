/**
 * The global lock-class dependency graph (lockdep's locks_after lists), with
 * each new dependency checked for a cycle when it is added (check_noncircular()
 * at check_prev_add() time), not in a final pass. No capacity limits: where the
 * kernel's would have been hit is reported by analysis/capacity.
 *
 * Each dependency keeps its count, the read/write kinds seen at both ends, its
 * first evidence, and its first evidence recorded while the context's held
 * state was certain ("clean").
 */
import type { Evidence } from './evidence.ts';

export interface CycleRecord {
  /** Class IDs in cycle order; classes[k] -> classes[k+1] (and last -> first). */
  classes: number[];
  /** Dependency IDs, edges[k] = classes[k] -> classes[k+1]. */
  edges: number[];
  /** The dependency whose addition closed the cycle (what lockdep would have been validating). */
  closingEdge: number;
  /** Order in which cycles were closed. */
  seq: number;
}

export interface CycleLimits {
  /** Most cycles enumerated through one new dependency. */
  perEdge: number;
  /** Most distinct cycles kept overall. */
  total: number;
}

export class DependencyGraph {
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly count: number[] = [];
  readonly cleanCount: number[] = [];
  /** Bit (3*prevKind + nextKind) per observed combination of end kinds (see replay/readKinds). */
  readonly combos: number[] = [];
  readonly first: Evidence[] = [];
  readonly firstClean: (Evidence | undefined)[] = [];
  /**
   * Gate candidates: (class, instance) pairs held by the recording context at
   * every observation of the dependency (flat array of pairs), or null once empty.
   */
  readonly gates: (number[] | null)[] = [];
  private readonly index = new Map<number, number>();
  private readonly out: number[][] = [];
  private readonly inn: number[][] = [];
  readonly cycles: CycleRecord[] = [];
  private readonly cycleKeys = new Set<string>();
  cycleLimitHits = 0;

  constructor(
    private readonly limits: CycleLimits,
    /** Orders classes for the canonical rotation of a cycle (by display name). */
    private readonly compareClasses: (a: number, b: number) => number,
  ) {}

  get size(): number {
    return this.from.length;
  }

  edgeId(from: number, to: number): number {
    return this.index.get(from * 0x4000000 + to) ?? -1;
  }

  outEdges(cls: number): readonly number[] {
    return this.out[cls] ?? EMPTY;
  }

  inEdges(cls: number): readonly number[] {
    return this.inn[cls] ?? EMPTY;
  }

  /**
   * Records one observation of from -> to. `makeEvidence` is called only when
   * evidence is needed (a new dependency, or its first clean observation).
   * Returns the dependency ID.
   */
  observe(from: number, to: number, combo: number, clean: boolean, makeEvidence: () => Evidence, gatePairs: () => number[]): number {
    const key = from * 0x4000000 + to;
    let e = this.index.get(key);
    if (e === undefined) {
      e = this.from.length;
      this.index.set(key, e);
      this.from.push(from);
      this.to.push(to);
      this.count.push(1);
      this.cleanCount.push(clean ? 1 : 0);
      this.combos.push(1 << combo);
      const ev = makeEvidence();
      this.first.push(ev);
      this.firstClean.push(clean ? ev : undefined);
      const g = gatePairs();
      this.gates.push(g.length ? g : null);
      (this.out[from] ??= []).push(e);
      (this.inn[to] ??= []).push(e);
      this.checkNewEdge(e);
      return e;
    }
    this.count[e]++;
    this.combos[e] |= 1 << combo;
    if (clean && this.cleanCount[e]++ === 0) this.firstClean[e] = makeEvidence();
    const g = this.gates[e];
    if (g !== null) {
      const now = gatePairs();
      // The same (shared, never mutated) candidate list as before: nothing to narrow.
      if (now !== g) this.narrowGates(e, g, now);
    }
    return e;
  }

  /** A repeat observation known from the chain cache: same stack, so only the counters move. */
  bump(e: number, combo: number, clean: boolean): void {
    this.count[e]++;
    this.combos[e] |= 1 << combo;
    if (clean) this.cleanCount[e]++;
  }

  /** Everything seen so far becomes uncertain (a CPU's buffer started: its earlier history is gone). */
  resetClean(): void {
    for (let e = 0; e < this.from.length; e++) {
      this.cleanCount[e] = 0;
      this.firstClean[e] = undefined;
    }
  }

  private narrowGates(e: number, g: number[], now: number[]): void {
    const kept: number[] = [];
    for (let k = 0; k < g.length; k += 2) {
      for (let j = 0; j < now.length; j += 2) {
        if (now[j] === g[k] && now[j + 1] === g[k + 1]) {
          kept.push(g[k], g[k + 1]);
          break;
        }
      }
    }
    this.gates[e] = kept.length ? kept : null;
  }

  /** Finds the cycles closed by new dependency e = u -> v: every simple path v ~> u. */
  private checkNewEdge(e: number): void {
    const u = this.from[e], v = this.to[e];
    if (u === v) return;
    // Forward reachability from v.
    const reach = this.reachableFrom(v);
    if (!reach.has(u)) return;
    // Nodes on some v ~> u path: reachable from v and reaching u.
    const onPath = new Set<number>();
    const stack = [u];
    onPath.add(u);
    while (stack.length) {
      const x = stack.pop()!;
      for (const ie of this.inn[x] ?? EMPTY) {
        const y = this.from[ie];
        if (reach.has(y) && !onPath.has(y)) {
          onPath.add(y);
          stack.push(y);
        }
      }
    }
    // Enumerate simple paths v ~> u within onPath, depth-first, bounded.
    let found = 0;
    // Simple paths can be exponential in a dense component: the walk itself is budgeted too.
    let steps = 0;
    const pathNodes: number[] = [v];
    const pathEdges: number[] = [];
    const inPath = new Set<number>([v]);
    const iters: number[] = [0];
    while (pathNodes.length) {
      if (found >= this.limits.perEdge || this.cycles.length >= this.limits.total || ++steps > STEP_BUDGET) {
        this.cycleLimitHits++;
        return;
      }
      const x = pathNodes[pathNodes.length - 1];
      if (x === u) {
        this.recordCycle([u, ...pathNodes.slice(0, -1)], [e, ...pathEdges], e) && found++;
        pathNodes.pop();
        pathEdges.pop();
        iters.pop();
        inPath.delete(x);
        continue;
      }
      const outs = this.out[x] ?? EMPTY;
      const k = iters[iters.length - 1];
      if (k >= outs.length) {
        pathNodes.pop();
        pathEdges.pop();
        iters.pop();
        inPath.delete(x);
        continue;
      }
      iters[iters.length - 1] = k + 1;
      const oe = outs[k];
      const y = this.to[oe];
      if (!onPath.has(y) || inPath.has(y)) continue;
      pathNodes.push(y);
      pathEdges.push(oe);
      iters.push(0);
      inPath.add(y);
    }
  }

  private reachableFrom(v: number): Set<number> {
    const seen = new Set<number>([v]);
    const stack = [v];
    while (stack.length) {
      const x = stack.pop()!;
      for (const oe of this.out[x] ?? EMPTY) {
        const y = this.to[oe];
        if (!seen.has(y)) {
          seen.add(y);
          stack.push(y);
        }
      }
    }
    return seen;
  }

  /** classes[k] -> classes[k+1] via edges[k]; rotated so the smallest class comes first. */
  private recordCycle(classes: number[], edges: number[], closing: number): boolean {
    let start = 0;
    for (let k = 1; k < classes.length; k++) if (this.compareClasses(classes[k], classes[start]) < 0) start = k;
    const c = [...classes.slice(start), ...classes.slice(0, start)];
    const ed = [...edges.slice(start), ...edges.slice(0, start)];
    const key = c.join(',');
    if (this.cycleKeys.has(key)) return false;
    this.cycleKeys.add(key);
    this.cycles.push({ classes: c, edges: ed, closingEdge: closing, seq: this.cycles.length });
    return true;
  }
}

const EMPTY: readonly number[] = [];
/** Most DFS steps spent enumerating the cycles closed by one new dependency. */
const STEP_BUDGET = 200_000;
