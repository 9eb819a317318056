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
 * Yields each cycle closed by `e` as its dependency IDs: e first, then the path
 * v ~> u. `usable` filters the dependencies the path may take (e itself is
 * not asked). The yielded array is reused: copy it to keep it.
 */
export function* cyclesClosedBy(
  g: DependencyGraph, e: number, usable: (dep: number) => boolean, budget: number, search: CyclePathSearch,
): Generator<readonly number[]> {
  const u = g.from[e], v = g.to[e];
  if (u === v) return;
  const dist = distancesTo(g, u, e, usable);
  const reachable = dist.size;
  const dv = dist.get(v);
  if (dv === undefined) return;
  const path: number[] = [e];
  const onPath = new Set<number>([u, v]);
  let steps = 0;
  // A simple path visits each class once: a path of L dependencies visits L + 1 classes that reach u.
  // A round can find nothing although longer paths exist (the simple-path rule blocked a short route),
  // so only that bound ends the rounds.
  for (let L = dv; L < reachable; L++) {
    // Depth-first, explicit stack of (class, next out-edge index).
    const nodes: number[] = [v];
    const next: number[] = [0];
    while (nodes.length) {
      if (++steps > budget) {
        search.truncated = true;
        return;
      }
      const depth = nodes.length - 1;
      const x = nodes[depth];
      const outs = g.outEdges(x);
      let k = next[depth];
      let stepped = false;
      for (; k < outs.length; k++) {
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
        const dy = dist.get(y);
        if (dy === undefined || onPath.has(y) || depth + 1 + dy > L) continue;
        next[depth] = k + 1;
        nodes.push(y);
        next.push(0);
        path.push(oe);
        onPath.add(y);
        stepped = true;
        break;
      }
      if (stepped) continue;
      nodes.pop();
      next.pop();
      if (nodes.length) {
        onPath.delete(x);
        path.pop();
      }
    }
  }
}

/** Fewest usable dependencies (recorded before e) from each class to u; absent: u is unreachable from it. */
function distancesTo(g: DependencyGraph, u: number, e: number, usable: (dep: number) => boolean): Map<number, number> {
  const dist = new Map<number, number>([[u, 0]]);
  const queue = [u];
  for (let qi = 0; qi < queue.length; qi++) {
    const y = queue[qi];
    const d = dist.get(y)! + 1;
    for (const ie of g.inEdges(y)) {
      if (ie >= e) break;
      if (!usable(ie)) continue;
      const x = g.from[ie];
      if (!dist.has(x)) {
        dist.set(x, d);
        queue.push(x);
      }
    }
  }
  return dist;
}
