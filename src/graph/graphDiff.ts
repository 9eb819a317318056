/**
 * What changed between two graphs (two captures, two kernels): classes and
 * dependencies added or removed, cycles introduced or fixed, with NEW's
 * evidence for what is new. Names are compared normalised, so what differs
 * between any two boots is not reported as a change:
 *  - lockdep's `#N` suffix (the N-th class sharing a name: numbering follows
 *    registration order, which differs between boots),
 *  - hexadecimal addresses inside names (hashed or raw pointers, 8+ digits).
 * The `/N` subclass suffix is kept: it is part of the locking pattern.
 * Cycles of both sides are judged by the replay's own code (graph/importGraph).
 */
import type { Finding, FindingDependency, Verdict } from '../analysis/findings.ts';
import { compareNames, type GraphEvidence, type GraphFile } from './graphFile.ts';
import { graphResult, importGraph } from './importGraph.ts';
import { canonicalRotation, findingKey, normaliseClassName, rotate } from '../analysis/findingIdentity.ts';

export const DIFF_SCHEMA = 'lockreplay/diff@1';

export const normaliseName = normaliseClassName;

export interface DiffDependency {
  from: string;
  to: string;
  count: number;
  kinds: string[];
  /** Where it was first seen (NEW's evidence for added, OLD's for removed). */
  first: GraphEvidence;
  captures: string[];
}

export interface DiffCycle {
  /** The finding ID of the cycle (docs/finding-identity.md): the same as in either side's replay report. */
  id: string;
  title: string;
  classes: string[];
  verdict: Verdict;
  reason?: string;
  dependencies: FindingDependency[];
}

export interface GraphDiffResult {
  schema: typeof DIFF_SCHEMA;
  old: { captures: string[] };
  new: { captures: string[] };
  classes: { added: string[]; removed: string[] };
  dependencies: { added: DiffDependency[]; removed: DiffDependency[] };
  cycles: { introduced: DiffCycle[]; fixed: DiffCycle[] };
  /** Present when the diff was restricted to classes matching these patterns (`--touching`). */
  touching?: string[];
}

interface Side {
  classes: Set<string>;
  deps: Map<string, DiffDependency>;
  cycles: Map<string, DiffCycle>;
}

function sideOf(g: GraphFile): Side {
  const classes = new Set(g.classes.map((c) => normaliseName(c.name)));
  const deps = new Map<string, DiffDependency>();
  // Dependencies in name order, so when several collapse into one normalised pair the evidence kept is deterministic.
  for (const d of g.dependencies) {
    const from = normaliseName(d.from), to = normaliseName(d.to);
    const key = JSON.stringify([from, to]);
    const have = deps.get(key);
    if (!have) {
      deps.set(key, { from, to, count: d.count, kinds: [...d.kinds], first: d.first, captures: [...d.captures] });
    } else {
      have.count += d.count;
      have.kinds = [...new Set([...have.kinds, ...d.kinds])].sort(compareNames);
      have.captures = [...new Set([...have.captures, ...d.captures])].sort(compareNames);
    }
  }
  const cycles = new Map<string, DiffCycle>();
  for (const f of graphResult(importGraph(g), g).findings) {
    if (f.kind !== 'circular-dependency') continue;
    const c = cycleOf(f);
    const key = findingKey(f);
    if (!cycles.has(key)) cycles.set(key, c);
  }
  return { classes, deps, cycles };
}

/** The cycle with normalised names, rotated to its canonical start (the finding key's). */
function cycleOf(f: Finding): DiffCycle {
  const names = f.classes.map(normaliseName);
  const start = canonicalRotation(names);
  const c: DiffCycle = {
    id: f.id!,
    title: f.title!,
    classes: rotate(names, start),
    verdict: f.verdict,
    dependencies: rotate(f.dependencies, start),
  };
  if (f.reason !== undefined) c.reason = f.reason;
  return c;
}

export function diffGraphs(oldG: GraphFile, newG: GraphFile): GraphDiffResult {
  const a = sideOf(oldG), b = sideOf(newG);
  const byPair = (x: DiffDependency, y: DiffDependency) => compareNames(x.from, y.from) || compareNames(x.to, y.to);
  const byClasses = (x: DiffCycle, y: DiffCycle) => compareNames(JSON.stringify(x.classes), JSON.stringify(y.classes));
  return {
    schema: DIFF_SCHEMA,
    old: { captures: oldG.captures.map((c) => c.name).sort(compareNames) },
    new: { captures: newG.captures.map((c) => c.name).sort(compareNames) },
    classes: {
      added: [...b.classes].filter((n) => !a.classes.has(n)).sort(compareNames),
      removed: [...a.classes].filter((n) => !b.classes.has(n)).sort(compareNames),
    },
    dependencies: {
      added: [...b.deps].filter(([k]) => !a.deps.has(k)).map(([, d]) => d).sort(byPair),
      removed: [...a.deps].filter(([k]) => !b.deps.has(k)).map(([, d]) => d).sort(byPair),
    },
    cycles: {
      introduced: [...b.cycles].filter(([k]) => !a.cycles.has(k)).map(([, c]) => c).sort(byClasses),
      fixed: [...a.cycles].filter(([k]) => !b.cycles.has(k)).map(([, c]) => c).sort(byClasses),
    },
  };
}

export function isEmptyDiff(d: GraphDiffResult): boolean {
  return !d.classes.added.length && !d.classes.removed.length && !d.dependencies.added.length && !d.dependencies.removed.length &&
    !d.cycles.introduced.length && !d.cycles.fixed.length;
}

/**
 * The part of a diff that touches classes matching `test`: those classes, the
 * dependencies with a matching end, the cycles through one. Two boots never
 * record the same background work in their ring-buffer windows, so this is
 * how a developer asks "what did my subsystem change" without that noise.
 */
export function restrictDiff(d: GraphDiffResult, patterns: string[], test: (name: string) => boolean): GraphDiffResult {
  const dep = (x: DiffDependency) => test(x.from) || test(x.to);
  const cyc = (c: DiffCycle) => c.classes.some(test);
  return {
    ...d,
    classes: { added: d.classes.added.filter(test), removed: d.classes.removed.filter(test) },
    dependencies: { added: d.dependencies.added.filter(dep), removed: d.dependencies.removed.filter(dep) },
    cycles: { introduced: d.cycles.introduced.filter(cyc), fixed: d.cycles.fixed.filter(cyc) },
    touching: patterns,
  };
}
