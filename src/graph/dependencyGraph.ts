/**
 * The global lock-class dependency graph (lockdep's locks_after lists). Each
 * new dependency u -> v is checked when it is added, as check_noncircular()
 * does at check_prev_add() time: if v already reaches u, the dependency closes
 * a cycle and is listed in `closing`, in the order the capture recorded them.
 * Which cycle through it is reported, and its verdict, is decided at the end
 * with whole-capture knowledge (analysis/cycleChoice). No capacity limits:
 * where the kernel's would have been hit is reported by analysis/capacity.
 *
 * Each dependency keeps its count, the read/write kinds seen at both ends, its
 * first evidence, and its first evidence recorded while the context's held
 * state was certain ("clean").
 */
import type { Evidence } from './evidence.ts';

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
  /** Dependencies whose addition closed a cycle (check_noncircular() found a path back), in recording order. */
  readonly closing: number[] = [];
  /** Breadth-first scratch of closesCycle(): a class is visited when its stamp is the current search's. */
  private visitStamp = new Int32Array(64);
  private stamp = 0;
  private queue = new Int32Array(64);

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

  /** check_noncircular(): does the new dependency e = u -> v close a cycle (v already reaches u)? */
  private checkNewEdge(e: number): void {
    const u = this.from[e], v = this.to[e];
    if (u !== v && this.reaches(v, u)) this.closing.push(e);
  }

  /** Breadth-first from `src` over the dependencies so far: is `dst` reachable? No allocation per search. */
  private reaches(src: number, dst: number): boolean {
    // Every class with a dependency has an `out` or an `inn` slot.
    const n = Math.max(this.out.length, this.inn.length);
    if (this.visitStamp.length < n) {
      this.visitStamp = new Int32Array(Math.max(n, this.visitStamp.length * 2));
      this.queue = new Int32Array(this.visitStamp.length);
      this.stamp = 0;
    }
    const seen = this.visitStamp, queue = this.queue, s = ++this.stamp;
    let head = 0, tail = 0;
    queue[tail++] = src;
    seen[src] = s;
    while (head < tail) {
      const outs = this.out[queue[head++]];
      if (!outs) continue;
      for (let k = 0; k < outs.length; k++) {
        const y = this.to[outs[k]];
        if (y === dst) return true;
        if (seen[y] !== s) {
          seen[y] = s;
          queue[tail++] = y;
        }
      }
    }
    return false;
  }
}

const EMPTY: readonly number[] = [];
