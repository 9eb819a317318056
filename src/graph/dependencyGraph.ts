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

/** DependencyGraph.needs: what the caller of observe() must supply. */
export const NEEDS_EVIDENCE = 1;
export const NEEDS_GATES = 2;
/** Placeholders between observe() and setEvidence()/seeGates() of a new dependency. */
const NO_EVIDENCE = {} as Evidence;
const NEW_GATES: number[] = [];

export class DependencyGraph {
  /** Set by observe(): NEEDS_EVIDENCE | NEEDS_GATES. */
  needs = 0;
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly count: number[] = [];
  readonly cleanCount: number[] = [];
  /**
   * Observations shown false after the fact: recorded from a held entry later
   * found released unseen (replay/replayer dropStaleHolders()). A dependency
   * all of whose observations are refuted was never recorded by lockdep.
   */
  readonly refutedCount: number[] = [];
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
  /** Breadth-first scratch of reaches(): a class is visited when its stamp is the current search's. */
  private visitStamp = new Int32Array(64);
  private stamp = 0;
  private queue = new Int32Array(64);

  get size(): number {
    return this.from.length;
  }

  /** One more than the highest class ID with a dependency (every such class has an `out` or an `inn` slot). */
  get classSpan(): number {
    return Math.max(this.out.length, this.inn.length);
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
   * Records one observation of from -> to and returns the dependency ID. What
   * the caller must then supply is in `needs` (no closure per observation):
   * NEEDS_EVIDENCE -> setEvidence() (a new dependency, or its first clean
   * observation), NEEDS_GATES -> seeGates() (a new dependency, or one that still
   * has gate candidates to narrow).
   */
  observe(from: number, to: number, combo: number, clean: boolean): number {
    const key = from * 0x4000000 + to;
    let e = this.index.get(key);
    if (e === undefined) {
      e = this.from.length;
      this.index.set(key, e);
      this.from.push(from);
      this.to.push(to);
      this.count.push(1);
      this.cleanCount.push(clean ? 1 : 0);
      this.refutedCount.push(0);
      this.combos.push(1 << combo);
      this.first.push(NO_EVIDENCE);
      this.firstClean.push(undefined);
      this.gates.push(NEW_GATES);
      (this.out[from] ??= []).push(e);
      (this.inn[to] ??= []).push(e);
      this.checkNewEdge(e);
      this.needs = NEEDS_EVIDENCE | NEEDS_GATES;
      return e;
    }
    this.count[e]++;
    this.combos[e] |= 1 << combo;
    this.needs = (clean && this.cleanCount[e]++ === 0 ? NEEDS_EVIDENCE : 0) | (this.gates[e] !== null ? NEEDS_GATES : 0);
    return e;
  }

  /** The evidence observe() asked for: the dependency's first, and its first clean one when this observation was clean. */
  setEvidence(e: number, ev: Evidence): void {
    if (this.first[e] === NO_EVIDENCE) this.first[e] = ev;
    if (this.cleanCount[e] > 0 && this.firstClean[e] === undefined) this.firstClean[e] = ev;
  }

  /** The (class, instance) pairs held at this observation (observe() asked for them): the gate candidates narrow to them. */
  seeGates(e: number, now: number[]): void {
    const g = this.gates[e];
    if (g === NEW_GATES) this.gates[e] = now.length ? now : null;
    // The same (shared, never mutated) candidate list as before: nothing to narrow.
    else if (g !== null && now !== g) this.narrowGates(e, g, now);
  }

  /** A repeat observation known from the chain cache: same stack, so only the counters move. */
  bump(e: number, combo: number, clean: boolean): void {
    this.count[e]++;
    this.combos[e] |= 1 << combo;
    if (clean) this.cleanCount[e]++;
  }

  /**
   * n uncertain observations of e are proven after the fact (replay/pendingProofs):
   * they count as clean, and `ev` (the first of them) becomes the first clean
   * evidence if there was none. True if `ev` was taken.
   */
  prove(e: number, n: number, ev: Evidence | undefined): boolean {
    this.cleanCount[e] += n;
    if (this.firstClean[e] !== undefined || !ev) return false;
    this.firstClean[e] = ev;
    return true;
  }

  /** n uncertain observations of e were recorded from a held entry shown stale (never held then). */
  refute(e: number, n: number): void {
    this.refutedCount[e] += n;
  }

  /** Every observation of e was refuted. */
  isRefuted(e: number): boolean {
    return this.refutedCount[e] > 0 && this.refutedCount[e] >= this.count[e];
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
    // Nothing dropped: keep the list as it is (a copy would be garbage, and no longer the shared one).
    if (kept.length !== g.length) this.gates[e] = kept.length ? kept : null;
  }

  /** check_noncircular(): does the new dependency e = u -> v close a cycle (v already reaches u)? */
  private checkNewEdge(e: number): void {
    const u = this.from[e], v = this.to[e];
    if (u !== v && this.reaches(v, u)) this.closing.push(e);
  }

  /** Breadth-first from `src` over the dependencies so far: is `dst` reachable? No allocation per search. */
  private reaches(src: number, dst: number): boolean {
    const n = this.classSpan;
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
