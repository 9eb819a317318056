/**
 * The cycles a closing dependency e = u -> v closed, shortest first: the
 * simple paths v ~> u over the dependencies recorded before e (the graph as
 * check_noncircular() saw it when e was added), each plus e. lockdep's own
 * __bfs() reports the shortest one; the caller here may look further for a
 * better-founded one (analysis/cycleChoice), so paths come out by increasing
 * length, lazily, within a step budget: simple paths can be exponential in
 * number in a dense component.
 *
 * Iterative deepening with a distance bound: dist[x] is the fewest
 * dependencies from x to u (backwards breadth-first from u), and a walk at
 * depth d only steps to y when d + 1 + dist[y] <= L, so every step of the
 * round for length L lies on some path of exactly L dependencies.
 */
import type { DependencyGraph } from './dependencyGraph.ts';

/** One cycle of the class graph. */
export interface CycleRecord {
  /** Class IDs in cycle order; classes[k] -> classes[k+1] (and last -> first). */
  classes: number[];
  /** Dependency IDs, edges[k] = classes[k] -> classes[k+1]. */
  edges: number[];
  /** The dependency whose recording closed the cycle (what lockdep was validating). */
  closingEdge: number;
}

export interface CyclePathSearch {
  /** Set when the step budget ran out before every path was produced. */
  truncated: boolean;
}

/**
 * Typed-array scratch for cyclesClosedBy(), reused across searches (one search
 * at a time): a class's distance and its on-path mark count only when their
 * stamp is the current search's, so nothing is cleared or allocated per search.
 */
export class CyclePathScratch {
  dist = new Int32Array(0);
  distStamp = new Int32Array(0);
  onPath = new Int32Array(0);
  queue = new Int32Array(0);
  /** Depth-first stack: class and next out-edge index per level. */
  nodes = new Int32Array(0);
  next = new Int32Array(0);
  stamp = 0;

  /** A fresh stamp for a search over classes [0, n). */
  begin(n: number): number {
    if (this.dist.length < n) {
      const m = Math.max(n, this.dist.length * 2, 64);
      this.dist = new Int32Array(m);
      this.distStamp = new Int32Array(m);
      this.onPath = new Int32Array(m);
      this.queue = new Int32Array(m);
      this.nodes = new Int32Array(m + 1);
      this.next = new Int32Array(m + 1);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}

/**
 * Yields each cycle closed by `e` as its dependency IDs: e first, then the path
 * v ~> u. `usable` filters the dependencies the path may take (e itself is
 * not asked). The yielded array is reused: copy it to keep it. One search per
 * scratch at a time (a search left unfinished may be abandoned).
 */
export function* cyclesClosedBy(
  g: DependencyGraph, e: number, usable: (dep: number) => boolean, budget: number, search: CyclePathSearch, scratch: CyclePathScratch,
): Generator<readonly number[]> {
  const u = g.from[e], v = g.to[e];
  if (u === v) return;
  const stamp = scratch.begin(g.classSpan);
  const reachable = distancesTo(g, u, e, usable, scratch, stamp);
  const { dist, distStamp, onPath, nodes, next } = scratch;
  if (distStamp[v] !== stamp) return;
  const dv = dist[v];
  const path: number[] = [e];
  onPath[u] = stamp;
  onPath[v] = stamp;
  let steps = 0;
  // A simple path visits each class once: a path of L dependencies visits L + 1 classes that reach u.
  // A round can find nothing although longer paths exist (the simple-path rule blocked a short route),
  // so only that bound ends the rounds.
  for (let L = dv; L < reachable; L++) {
    // Depth-first, explicit stack of (class, next out-edge index); top = depth.
    let depth = 0;
    nodes[0] = v;
    next[0] = 0;
    while (depth >= 0) {
      if (++steps > budget) {
        search.truncated = true;
        return;
      }
      const x = nodes[depth];
      const outs = g.outEdges(x);
      let stepped = false;
      for (let k = next[depth]; k < outs.length; k++) {
        const oe = outs[k];
        if (oe >= e) break; // out-lists are in recording order: the rest came after e
        if (!usable(oe)) continue;
        const y = g.to[oe];
        if (y === u) {
          if (depth + 1 !== L) continue;
          path.push(oe);
          yield path;
          path.pop();
          continue;
        }
        if (distStamp[y] !== stamp || onPath[y] === stamp || depth + 1 + dist[y] > L) continue;
        next[depth] = k + 1;
        depth++;
        nodes[depth] = y;
        next[depth] = 0;
        path.push(oe);
        onPath[y] = stamp;
        stepped = true;
        break;
      }
      if (stepped) continue;
      depth--;
      if (depth >= 0) {
        onPath[x] = 0;
        path.pop();
      }
    }
  }
}

/**
 * Fewest usable dependencies (recorded before e) from each class to u, into
 * scratch.dist (valid where distStamp is `stamp`); returns how many classes reach u.
 */
function distancesTo(g: DependencyGraph, u: number, e: number, usable: (dep: number) => boolean, scratch: CyclePathScratch, stamp: number): number {
  const { dist, distStamp, queue } = scratch;
  dist[u] = 0;
  distStamp[u] = stamp;
  queue[0] = u;
  let tail = 1;
  for (let qi = 0; qi < tail; qi++) {
    const y = queue[qi];
    const d = dist[y] + 1;
    for (const ie of g.inEdges(y)) {
      if (ie >= e) break;
      if (!usable(ie)) continue;
      const x = g.from[ie];
      if (distStamp[x] !== stamp) {
        distStamp[x] = stamp;
        dist[x] = d;
        queue[tail++] = x;
      }
    }
  }
  return tail;
}
