/**
 * The stored dependencies a capture's new ones can close a cycle with, found
 * without loading the kernel version's union. A dependency new to the union,
 * a -> b, closes a cycle only through a path b ~> a (check_noncircular()
 * searches nothing else), and only a new dependency can close one: the
 * dependencies on such paths are the whole part of the union a capture's
 * cross-capture check reads (store/crossCaptureIngest.ts).
 *
 * The store narrows them in one statement both engines run, a recursive CTE
 * over the covering indexes (kernel, from_class, to_class) and (kernel,
 * to_class, from_class) (migration 4): the classes reachable from a new
 * dependency's head (F) that reach a new dependency's tail (B), and the
 * dependencies among them (every class on a path from a head back to a tail
 * is in F and B). CROSS JOIN and the unary `+` keep SQLite's planner to the
 * plan above: without them it scanned the version's dependencies at every
 * step of the recursion, or probed the index for every pair of classes of F
 * and B (3.8 s for a capture with 440 new dependencies). Then, in memory, the
 * strongly connected components of what it returned: a new dependency closes
 * a cycle iff both its ends are in one, and the paths back run inside it (a
 * head of one new dependency reaching the tail of another closes nothing; in
 * a version's first captures that is most of what the statement returns).
 */
import type { SqlRunner } from './engine.ts';

interface Row { id: number; from_class: number; to_class: number; first_capture: number }

/** The statement above, its seed dependencies chosen by `seed` (a condition on `dependencies`, after its kernel). */
const amongPaths = (seed: string): string => `WITH RECURSIVE
  fwd(c) AS (
    SELECT to_class FROM dependencies WHERE kernel = ? AND ${seed}
    UNION
    SELECT d.to_class FROM fwd CROSS JOIN dependencies d WHERE d.kernel = ? AND d.from_class = fwd.c
  ),
  bwd(c) AS (
    SELECT from_class FROM dependencies WHERE kernel = ? AND ${seed}
    UNION
    SELECT d.from_class FROM bwd CROSS JOIN dependencies d WHERE d.kernel = ? AND d.to_class = bwd.c
  ),
  mid(c) AS MATERIALIZED (SELECT c FROM fwd INTERSECT SELECT c FROM bwd)
SELECT d.id, d.from_class, d.to_class, d.first_capture FROM mid CROSS JOIN dependencies d
WHERE d.kernel = ? AND d.from_class = mid.c AND +d.to_class IN (SELECT c FROM mid)`;

/** Seeded by the capture's new dependencies. */
const AMONG_PATHS = amongPaths('first_capture = ?');

/**
 * Seeded by given dependencies (the ones a capture raised, store/ingestCapture.ts), few and rare: their IDs
 * inline (integers the store assigned).
 */
const amongPathsFrom = (ids: number[]): string => amongPaths(`id IN (${ids.map((id) => Math.trunc(id)).join(', ')})`);

/**
 * IDs of the dependencies of `kernel` recorded before `capture` (which is
 * written, uncommitted, in `tx`) that lie on a path from the head of one of
 * the capture's new dependencies, or of the stored ones it `raised`, back to
 * its tail, in ID order (the raised ones among them when they close a cycle).
 */
export async function closableDependencies(tx: SqlRunner, kernel: string, capture: number, raised: number[] = []): Promise<number[]> {
  const rows = await tx.query<Row>(AMONG_PATHS, [kernel, capture, kernel, kernel, capture, kernel, kernel]);
  if (raised.length) {
    const seen = new Set(rows.map((r) => r.id));
    for (const r of await tx.query<Row>(amongPathsFrom(raised), [kernel, kernel, kernel, kernel, kernel])) if (!seen.has(r.id)) rows.push(r);
  }
  const component = components(rows);
  const seeds = new Set(raised);
  const seed = (r: Row) => r.first_capture === capture || seeds.has(r.id);
  // A new (or raised) dependency a -> b closes a cycle iff b reaches a: a and b in one strongly connected
  // component; the dependencies on its paths back are then those inside that component.
  const closing = new Set<number>();
  for (const r of rows) {
    if (seed(r) && r.from_class !== r.to_class && component.get(r.from_class) === component.get(r.to_class)) closing.add(component.get(r.from_class)!);
  }
  return rows
    .filter((r) => r.first_capture !== capture && component.get(r.from_class) === component.get(r.to_class) && closing.has(component.get(r.from_class)!))
    .map((r) => r.id)
    .sort((a, b) => a - b);
}

/** Each class's strongly connected component over `rows` (Tarjan's algorithm, iterative): class -> component number. */
function components(rows: Row[]): Map<number, number> {
  const out = new Map<number, number[]>();
  for (const r of rows) {
    const list = out.get(r.from_class);
    if (list) list.push(r.to_class);
    else out.set(r.from_class, [r.to_class]);
  }
  const index = new Map<number, number>(), low = new Map<number, number>(), component = new Map<number, number>();
  const stack: number[] = [], onStack = new Set<number>();
  let next = 0, count = 0;
  for (const root of out.keys()) {
    if (index.has(root)) continue;
    // Depth-first frames: a class and the position in its successors.
    const frames: [number, number][] = [[root, 0]];
    index.set(root, next); low.set(root, next++); stack.push(root); onStack.add(root);
    while (frames.length) {
      const top = frames[frames.length - 1];
      const [v, k] = top;
      const succ = out.get(v) ?? [];
      if (k < succ.length) {
        top[1]++;
        const w = succ[k];
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next++); stack.push(w); onStack.add(w);
          frames.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length) {
        const u = frames[frames.length - 1][0];
        low.set(u, Math.min(low.get(u)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.set(w, count);
        } while (w !== v);
        count++;
      }
    }
  }
  return component;
}
