/**
 * The graph view of each cycle in the HTML report: the cycle and its busiest
 * neighbours, from the whole graph when there is one, else from the finding's
 * own evidence. Views travel as compact JSON (one string table, flat integer
 * arrays), so a report with thousands of cycles stays small; the page decodes
 * and lays out a view only when its finding is opened (report/htmlClient).
 */
import type { Finding } from '../analysis/findings.ts';
import { Usage } from '../analysis/irqUsage.ts';
import { compareNames, dependencyKey, type GraphDependency, type GraphFile } from '../graph/graphFile.ts';
import { isPseudoLock } from './dot.ts';

/** Most neighbour classes drawn around one cycle (the closest by dependency count first). */
export const MAX_NEIGHBOURS = 40;

/** Node kinds by code, as the page colours them. */
export const NODE_KINDS = ['plain', 'safe', 'unsafe', 'both', 'pseudo'] as const;

const SAFE = Usage.UsedInHardirq | Usage.UsedInHardirqRead | Usage.UsedInSoftirq | Usage.UsedInSoftirqRead;
const UNSAFE = Usage.EnabledHardirq | Usage.EnabledHardirqRead | Usage.EnabledSoftirq | Usage.EnabledSoftirqRead;

/**
 * All views of one report: `s` the string table; per view `[finding, nodes, edges]` with
 * nodes flat as (name, kind code, in cycle 0/1, usage string or -1) and edges flat as
 * (source node, target node, label, on cycle 0/1, first seen, captures string or -1).
 */
export interface PackedViews {
  s: string[];
  v: [number, number[], number[]][];
}

interface Edge { from: string; to: string; label: string; first: string; captures: string }

function where(e: { input: string; line?: number; byte?: number }): string {
  return `${e.input}${e.line !== undefined ? `:${e.line}` : `: byte ${e.byte}`}`;
}

/** Dependencies by class, built once per report (a view needs only those touching its cycle). */
export class GraphIndex {
  readonly byClass = new Map<string, GraphDependency[]>();
  readonly usageBits = new Map<string, number>();
  readonly usage = new Map<string, string>();

  constructor(readonly g: GraphFile) {
    for (const c of g.classes) {
      this.usageBits.set(c.name, c.usageBits);
      if (c.usage.length) this.usage.set(c.name, c.usage.join(' '));
    }
    for (const d of g.dependencies) {
      for (const n of d.from === d.to ? [d.from] : [d.from, d.to]) {
        let l = this.byClass.get(n);
        if (!l) this.byClass.set(n, (l = []));
        l.push(d);
      }
    }
  }
}

function neighbourhood(f: Finding, ix: GraphIndex, edges: Map<string, Edge>): void {
  const inCycle = new Set(f.classes);
  const near = new Map<string, GraphDependency>();
  for (const c of inCycle) for (const d of ix.byClass.get(c) ?? []) near.set(dependencyKey(d.from, d.to), d);
  // Keep the cycle's edges, then the busiest neighbours.
  const counts = new Map<string, number>();
  for (const d of near.values()) for (const n of [d.from, d.to]) if (!inCycle.has(n)) counts.set(n, (counts.get(n) ?? 0) + d.count);
  const keep = new Set([...counts].sort((a, b) => b[1] - a[1] || compareNames(a[0], b[0])).slice(0, MAX_NEIGHBOURS).map(([n]) => n));
  for (const [key, d] of near) {
    if ((inCycle.has(d.from) || keep.has(d.from)) && (inCycle.has(d.to) || keep.has(d.to))) {
      const e = d.first;
      edges.set(key, {
        from: d.from, to: d.to, label: `${d.count}x ${d.kinds.join(',')}`, captures: d.captures.join(', '),
        first: `${e.capture === e.input ? e.capture : `${e.capture}: ${e.input}`}${e.line !== undefined ? `:${e.line}` : `: byte ${e.byte}`} ${e.comm}/${e.pid}`,
      });
    }
  }
}

/** Packs the views of the given findings (by index in the report) into one string table. */
export function packViews(findings: readonly Finding[], wanted: (f: Finding) => boolean, g: GraphFile | undefined): PackedViews {
  const ix = g ? new GraphIndex(g) : undefined;
  const s: string[] = [];
  const sid = new Map<string, number>();
  const str = (x: string): number => {
    let i = sid.get(x);
    if (i === undefined) sid.set(x, (i = s.push(x) - 1));
    return i;
  };
  const v: PackedViews['v'] = [];
  findings.forEach((f, k) => {
    if (!wanted(f)) return;
    const inCycle = new Set(f.classes);
    const cycleKeys = new Set(f.classes.map((n, j) => dependencyKey(n, f.classes[(j + 1) % f.classes.length])));
    const edges = new Map<string, Edge>();
    if (ix) neighbourhood(f, ix, edges);
    for (const d of f.dependencies) {
      const key = dependencyKey(d.from, d.to);
      if (!edges.has(key)) edges.set(key, { from: d.from, to: d.to, label: `${d.count}x ${d.kinds.join(',')}`, first: `${where(d.first)} ${d.first.comm}/${d.first.pid}`, captures: '' });
      if (!ix) {
        // Without the graph: the locks held when each dependency was recorded are its neighbourhood.
        for (const h of d.first.held) {
          const hk = dependencyKey(h, d.from);
          if (h !== d.from && !edges.has(hk)) edges.set(hk, { from: h, to: d.from, label: 'held', first: where(d.first), captures: '' });
        }
      }
    }
    // Cycle classes first, in cycle order (the page lays them out on the inner ring), then the others by name.
    const others = [...new Set([...edges.values()].flatMap((e) => [e.from, e.to]))].filter((n) => !inCycle.has(n)).sort(compareNames);
    const names = [...inCycle, ...others];
    const node = new Map(names.map((n, i) => [n, i]));
    const nodes: number[] = [];
    for (const n of names) {
      const bits = ix?.usageBits.get(n) ?? 0;
      const kind = isPseudoLock(n) ? 4 : bits & SAFE && bits & UNSAFE ? 3 : bits & SAFE ? 1 : bits & UNSAFE ? 2 : 0;
      const usage = ix?.usage.get(n);
      nodes.push(str(n), kind, inCycle.has(n) ? 1 : 0, usage === undefined ? -1 : str(usage));
    }
    const out: number[] = [];
    for (const e of [...edges.values()].sort((a, b) => compareNames(a.from, b.from) || compareNames(a.to, b.to))) {
      out.push(node.get(e.from)!, node.get(e.to)!, str(e.label), cycleKeys.has(dependencyKey(e.from, e.to)) ? 1 : 0, str(e.first), e.captures ? str(e.captures) : -1);
    }
    v.push([k, nodes, out]);
  });
  return { s, v };
}
