/**
 * The union of graphs, folded one record at a time (graph/graphFileReader
 * streams into it), so memory is bounded by the union. Every fold is
 * associative and commutative, so any order or grouping of inputs gives the
 * same union and the same bytes:
 *  - counts, clean and refuted counts add, read-kind masks and usage bits OR,
 *  - first / firstClean evidence, and each usage bit's first evidence, is the
 *    least by (capture, input, position),
 *  - gate candidates: none once a dependency was seen in two captures (an
 *    instance is the same lock only within one boot),
 *  - provenance (captures a dependency was seen in) is the set union,
 *  - the idle-workqueue mark holds only if every capture says so,
 *  - recursions: one per (class, read kinds, flags), one not refuted before
 *    a refuted one, then the least by evidence.
 * A capture appearing twice is refused: its counts would be doubled.
 * `kinds` are not folded: they depend on the union's classes and are
 * recomputed by graph/importGraph.
 */
import { InputError } from '../model/inputError.ts';
import {
  GRAPH_SCHEMA, compareDependencies, compareNames, dependencyKey,
  compareRecursions, type GraphCapture, type GraphClass, type GraphDependency, type GraphEvidence, type GraphFile, type GraphGate,
  type GraphRecursion,
} from './graphFile.ts';
import type { GraphSink } from './graphFileReader.ts';
import { usageStrings } from './graphFromReplay.ts';

export function compareEvidence(a: GraphEvidence, b: GraphEvidence): number {
  return compareNames(a.capture, b.capture) || compareNames(a.input, b.input) || (a.line ?? a.byte ?? 0) - (b.line ?? b.byte ?? 0);
}

export class GraphUnion implements GraphSink {
  private readonly captures = new Map<string, GraphCapture>();
  private readonly classes = new Map<string, GraphClass>();
  private readonly deps = new Map<string, GraphDependency>();
  private readonly recursions = new Map<string, GraphRecursion>();
  /** Which source each capture came from, for the duplicate message. */
  private readonly captureSource = new Map<string, string>();
  source = '';

  capture(c: GraphCapture): void {
    const prev = this.captureSource.get(c.name);
    if (prev !== undefined) {
      throw new InputError(this.source, undefined, `capture ${JSON.stringify(c.name)} is already in ${prev}: merging it twice would double its counts`);
    }
    this.captureSource.set(c.name, this.source);
    const copy: GraphCapture = { ...c, inputs: c.inputs.map((x) => ({ ...x })) };
    if (c.cannotReport) copy.cannotReport = [...c.cannotReport];
    this.captures.set(c.name, copy);
  }

  cls(c: GraphClass): void {
    const have = this.classes.get(c.name);
    if (!have) {
      const copy: GraphClass = { ...c, usage: usageStrings(c.usageBits) };
      if (c.usageFirst) copy.usageFirst = { ...c.usageFirst };
      this.classes.set(c.name, copy);
      return;
    }
    have.usageBits |= c.usageBits;
    have.usage = usageStrings(have.usageBits);
    for (const [k, ev] of Object.entries(c.usageFirst ?? {})) {
      const mine = have.usageFirst?.[k];
      if (ev && (!mine || compareEvidence(ev, mine) < 0)) (have.usageFirst ??= {})[k] = ev;
    }
    have.written ||= c.written;
    have.read ||= c.read;
    if (c.lockStat) have.lockStat = true;
    if (c.heldAcrossSwitch) have.heldAcrossSwitch = true;
  }

  dependency(d: GraphDependency): void {
    // Classes named only by a dependency still exist in the union.
    for (const n of [d.from, d.to]) if (!this.classes.has(n)) this.cls({ name: n, usageBits: 0, usage: [], written: false, read: false });
    const key = dependencyKey(d.from, d.to);
    const have = this.deps.get(key);
    if (!have) {
      this.deps.set(key, { ...d, kinds: [], gates: d.gates.map((g) => ({ ...g })), captures: [...d.captures].sort(compareNames) });
      return;
    }
    have.count += d.count;
    have.clean += d.clean;
    if (d.refuted) have.refuted = (have.refuted ?? 0) + d.refuted;
    have.combos |= d.combos;
    if (compareEvidence(d.first, have.first) < 0) have.first = d.first;
    if (d.firstClean && (!have.firstClean || compareEvidence(d.firstClean, have.firstClean) < 0)) have.firstClean = d.firstClean;
    const oneCapture = have.captures.length === 1 && d.captures.length === 1 && have.captures[0] === d.captures[0];
    have.gates = oneCapture ? intersectGates(have.gates, d.gates) : [];
    have.captures = [...new Set([...have.captures, ...d.captures])].sort(compareNames);
    if (!d.idleWorkqueue) delete have.idleWorkqueue;
  }

  recursion(r: GraphRecursion): void {
    const key = JSON.stringify([r.class, r.prevRead, r.nextRead, !!r.uncertain, !!r.crossContext]);
    const have = this.recursions.get(key);
    // A refuted one gives way to one that is not (it was held there): the finding must not vanish in a union.
    if (!have || (Number(!!r.refuted) - Number(!!have.refuted) || compareEvidence(r.again, have.again)) < 0) this.recursions.set(key, r);
    if (!this.classes.has(r.class)) this.cls({ name: r.class, usageBits: 0, usage: [], written: false, read: false });
  }

  get size(): { captures: number; classes: number; dependencies: number; recursions: number } {
    return { captures: this.captures.size, classes: this.classes.size, dependencies: this.deps.size, recursions: this.recursions.size };
  }

  /** The union, sorted by names (kinds empty until importGraph fills them). */
  toGraph(): GraphFile {
    return {
      schema: GRAPH_SCHEMA,
      captures: [...this.captures.values()].sort((a, b) => compareNames(a.name, b.name)),
      classes: [...this.classes.values()].sort((a, b) => compareNames(a.name, b.name)),
      dependencies: [...this.deps.values()].sort(compareDependencies),
      recursions: [...this.recursions.values()].sort(compareRecursions),
    };
  }
}

function intersectGates(a: GraphGate[], b: GraphGate[]): GraphGate[] {
  const keep = new Set(b.map((g) => JSON.stringify([g.class, g.instance])));
  return a.filter((g) => keep.has(JSON.stringify([g.class, g.instance])));
}

/** Folds a whole in-memory graph (e.g. a trace just replayed) into the union. */
export function foldGraph(u: GraphUnion, g: GraphFile, source: string): void {
  u.source = source;
  for (const c of g.captures) u.capture(c);
  for (const c of g.classes) u.cls(c);
  for (const d of g.dependencies) u.dependency(d);
  for (const r of g.recursions) u.recursion(r);
}
