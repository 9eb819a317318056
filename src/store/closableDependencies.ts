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
 * to_class, from_class) (migration 4; CROSS JOIN: SQLite's planner otherwise
 * scans the version's dependencies at every step of the recursion): the
 * classes reachable from a new dependency's head (F) that reach a new
 * dependency's tail (B), and the dependencies among them (every class on a
 * path from a head back to a tail is in F and B). Then, in memory, each new
 * dependency's own paths: a head of one reaching the tail of another closes
 * nothing, and in a version's first captures, when most dependencies are new,
 * that is most of what the statement returns.
 */
import type { SqlRunner } from './engine.ts';

interface Row { id: number; from_class: number; to_class: number; first_capture: number }

const AMONG_PATHS = `WITH RECURSIVE
  fwd(c) AS (
    SELECT to_class FROM dependencies WHERE kernel = ? AND first_capture = ?
    UNION
    SELECT d.to_class FROM fwd CROSS JOIN dependencies d WHERE d.kernel = ? AND d.from_class = fwd.c
  ),
  bwd(c) AS (
    SELECT from_class FROM dependencies WHERE kernel = ? AND first_capture = ?
    UNION
    SELECT d.from_class FROM bwd CROSS JOIN dependencies d WHERE d.kernel = ? AND d.to_class = bwd.c
  ),
  mid(c) AS (SELECT c FROM fwd INTERSECT SELECT c FROM bwd)
SELECT d.id, d.from_class, d.to_class, d.first_capture FROM dependencies d
WHERE d.kernel = ? AND d.from_class IN (SELECT c FROM mid) AND d.to_class IN (SELECT c FROM mid)`;

/**
 * IDs of the dependencies of `kernel` recorded before `capture` (which is
 * written, uncommitted, in `tx`) that lie on a path from the head of one of
 * the capture's new dependencies back to its tail, in ID order.
 */
export async function closableDependencies(tx: SqlRunner, kernel: string, capture: number): Promise<number[]> {
  const rows = await tx.query<Row>(AMONG_PATHS, [kernel, capture, kernel, kernel, capture, kernel, kernel]);
  const out = new Map<number, Row[]>(), inn = new Map<number, Row[]>();
  for (const r of rows) {
    push(out, r.from_class, r);
    push(inn, r.to_class, r);
  }
  // New dependencies by head: the classes ahead of a head are found once for all its new dependencies.
  const byHead = new Map<number, number[]>();
  for (const r of rows) if (r.first_capture === capture && r.from_class !== r.to_class) push(byHead, r.to_class, r.from_class);
  const onPaths = new Set<number>();
  for (const [head, tails] of byHead) {
    const ahead = reach(head, out, (r) => r.to_class, () => true);
    for (const tail of tails) {
      if (!ahead.has(tail)) continue;
      for (const c of reach(tail, inn, (r) => r.from_class, (c) => ahead.has(c))) onPaths.add(c);
    }
  }
  return rows
    .filter((r) => r.first_capture !== capture && onPaths.has(r.from_class) && onPaths.has(r.to_class))
    .map((r) => r.id)
    .sort((a, b) => a - b);
}

/** The classes reachable from `start` over `edges` (next end by `end`), staying within `keep`. */
function reach(start: number, edges: Map<number, Row[]>, end: (r: Row) => number, keep: (c: number) => boolean): Set<number> {
  const seen = new Set([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const r of edges.get(queue[i]) ?? []) {
      const c = end(r);
      if (!seen.has(c) && keep(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
  }
  return seen;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
