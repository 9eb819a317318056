/**
 * The graph file (`lockreplay/graph@2`, docs/graph-schema.md): what lockdep
 * knows after one or more captures, as plain data keyed by class display
 * names, so captures from different boots and kernels can be merged and
 * compared. Instance addresses and class IDs never appear as keys: they mean
 * nothing outside their boot.
 *
 * It carries what every finding kind needs, so a graph is judged as its
 * traces are (graph/importGraph): dependencies with their evidence and gate
 * candidates (circular-dependency), per-class usage bits with the evidence
 * that first set each one (inconsistent-irq-state, irq-safe-unsafe), and the
 * same-instance re-acquisitions (recursive-locking). These types are also the
 * in-memory form other stages build from (graph/graphFromReplay) or ingest
 * (a store).
 *
 * Written one record per line (classes and dependencies sorted by name), so
 * the same graph always gives the same bytes and a large file can be read
 * as a stream (graph/graphFileReader).
 */

import type { EvidenceOut } from '../analysis/findings.ts';
import type { UncertainWhy } from './evidence.ts';

export const GRAPH_SCHEMA = 'lockreplay/graph@2';
/** Still read: it lacks usage evidence and recursions (see GraphCapture.cannotReport). */
export const GRAPH_SCHEMA_V1 = 'lockreplay/graph@1';

/** Finding kinds a capture recorded in a lockreplay/graph@1 file cannot support. */
export const V1_CANNOT_REPORT = ['recursive-locking', 'inconsistent-irq-state', 'irq-safe-unsafe'] as const;

export interface GraphCaptureInput {
  name: string;
  positions: 'line' | 'byte';
}

/** One replay run (one boot): its inputs in replay order. */
export interface GraphCapture {
  name: string;
  kernel?: string;
  inputs: GraphCaptureInput[];
  /** `--wq-model shared` (pre-5.1 per-name workqueue classes); absent for the default per-instance model. */
  wqModel?: 'shared';
  /**
   * Finding kinds this capture's record cannot support (it came from a
   * lockreplay/graph@1 file, which carried no usage evidence and no
   * recursions); absent when it supports every kind. Reported, never silent.
   */
  cannotReport?: string[];
}

export interface GraphClass {
  /** Display name as lockdep prints it (name, #N, /N). */
  name: string;
  /** irq usage bits (analysis/irqUsage Usage), and the same as lockdep's usage strings. */
  usageBits: number;
  usage: string[];
  /**
   * Where each usage bit was first set, keyed by its usage string (mark_lock()
   * evidence: the "{IN-HARDIRQ-W} state was registered at" lines). Every bit of
   * `usageBits` has one, except in captures read from graph@1 files.
   */
  usageFirst?: Partial<Record<string, GraphEvidence>>;
  /** Ever acquired for write / for read (decides S vs R for plain `read`). */
  written: boolean;
  read: boolean;
  /** lock_contended/lock_acquired seen: a real lock, not a lockdep_map (decides S vs R for a task-context `read`); written only when true. */
  lockStat?: boolean;
  /** Seen held across a context switch or migration in a trace without irq flags: a sleeping lock (analysis/dependencyFacts mayJoinInterrupt). */
  heldAcrossSwitch?: boolean;
}

/** A place in a capture's inputs: its capture (so stores can rename it with the evidence), input and position. */
export interface GraphPlace {
  capture: string;
  input: string;
  line?: number;
  byte?: number;
}

/**
 * A replay's evidence (analysis/findings EvidenceOut, `inferred` and call
 * stacks included) plus the capture it came from. The proof texts of
 * EvidenceOut (`proven`, `unproven`) are kept as the data they are written
 * from (`restsOn`, `provenBy`), so a graph judged later prints them again.
 */
export interface GraphEvidence extends Omit<EvidenceOut, 'proven' | 'unproven'> {
  capture: string;
  /** Event ordinal in the capture's replay (recording order; graph/evidence Evidence.seq). */
  seq?: number;
  /** Recorded without an irq flags column. */
  noContext?: boolean;
  /**
   * Uncertain evidence: the held entry it rests on (`class`; absent when it is
   * the new acquisition itself), where that entry was acquired, and why it is
   * uncertain (graph/evidence Evidence.restsOn).
   */
  restsOn?: GraphPlace & { class?: string; why: UncertainWhy };
  /** The later release of that held entry, with no loss in between, that proved it held (replay/pendingProofs). */
  provenBy?: GraphPlace;
}

/**
 * A same-class re-acquisition of one lock instance by the context holding it
 * (check_deadlock(); replay/replayer RecursionCandidate), judged when the
 * graph is: read after read may be allowed, depending on the whole graph's
 * read kinds. Raw read kinds as in `combos`: 0 write, 1 read in task
 * context, 2 read in irq context or with BH off.
 */
export interface GraphRecursion {
  class: string;
  prevRead: number;
  nextRead: number;
  /** The held entry was uncertain (its release may have been lost). */
  uncertain?: boolean;
  /** An interrupt took the instance its interrupted context holds. */
  crossContext?: boolean;
  /** The held entry was later shown released unseen (replay/replayer dropStaleHolders()): the first acquisition was not held. */
  refuted?: boolean;
  /** The first acquisition (the held one) and the second. */
  held: GraphEvidence;
  again: GraphEvidence;
}

export interface GraphGate {
  class: string;
  instance: string;
}

export interface GraphDependency {
  from: string;
  to: string;
  count: number;
  /** Observations made while held state was certain (or proven so later). */
  clean: number;
  /**
   * Observations recorded from a held entry later shown released unseen
   * (replay/replayer dropStaleHolders()); absent when none. A dependency all
   * of whose observations are refuted was never recorded by lockdep.
   */
  refuted?: number;
  /** 9-bit mask of raw (prev, next) read kinds, bit 3*prev+next (replay/readKinds). */
  combos: number;
  /** lockdep's E/S/R kinds as judged with this graph's classes, e.g. "E->E". */
  kinds: string[];
  first: GraphEvidence;
  firstClean?: GraphEvidence;
  /**
   * Lock instances held at every observation (gate candidates). Instances
   * mean something within one boot only, so a dependency seen in more than
   * one capture has none.
   */
  gates: GraphGate[];
  /** Captures in which the dependency was seen, sorted. */
  captures: string[];
  /**
   * `--wq-model shared` only: a dependency into a `(wq_completion)` class
   * recorded only on workqueue instances that never executed a work item.
   */
  idleWorkqueue?: boolean;
}

export interface GraphHeader {
  schema: typeof GRAPH_SCHEMA;
  captures: GraphCapture[];
}

export interface GraphFile extends GraphHeader {
  classes: GraphClass[];
  dependencies: GraphDependency[];
  recursions: GraphRecursion[];
}

/** Code-unit order: the same everywhere, whatever the locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDependencies(a: { from: string; to: string }, b: { from: string; to: string }): number {
  return compareNames(a.from, b.from) || compareNames(a.to, b.to);
}

export function dependencyKey(from: string, to: string): string {
  // NUL never occurs in a lock name printed by the kernel; JSON keeps the pair unambiguous anyway.
  return JSON.stringify([from, to]);
}

/** Fixed key order per record, so equal graphs serialise to equal bytes. */
function evidenceJson(e: GraphEvidence): unknown {
  const o: Record<string, unknown> = { capture: e.capture, input: e.input };
  if (e.line !== undefined) o.line = e.line;
  if (e.byte !== undefined) o.byte = e.byte;
  if (e.seq !== undefined) o.seq = e.seq;
  o.ts = e.ts;
  o.cpu = e.cpu;
  o.pid = e.pid;
  o.comm = e.comm;
  o.context = e.context;
  o.held = e.held;
  if (e.heldOmitted) o.heldOmitted = e.heldOmitted;
  if (e.uncertain) o.uncertain = true;
  if (e.noContext) o.noContext = true;
  if (e.inferred !== undefined) o.inferred = e.inferred;
  if (e.stack) o.stack = e.stack;
  if (e.heldStack) o.heldStack = e.heldStack;
  if (e.restsOn) o.restsOn = { ...(e.restsOn.class !== undefined ? { class: e.restsOn.class } : {}), why: e.restsOn.why, ...placeJson(e.restsOn) };
  if (e.provenBy) o.provenBy = placeJson(e.provenBy);
  return o;
}

function placeJson(p: GraphPlace): Record<string, unknown> {
  return { capture: p.capture, input: p.input, ...(p.line !== undefined ? { line: p.line } : { byte: p.byte }) };
}

/** Recursions sorted by class, read kinds, flags, then where the second acquisition was. */
export function compareRecursions(a: GraphRecursion, b: GraphRecursion): number {
  return compareNames(a.class, b.class) || a.prevRead - b.prevRead || a.nextRead - b.nextRead ||
    Number(!!a.uncertain) - Number(!!b.uncertain) || Number(!!a.crossContext) - Number(!!b.crossContext);
}

/** One line per record, joined into the JSON array of `key`. */
function records(out: string[], key: string, items: unknown[], last: boolean): void {
  out.push(`"${key}":[`);
  items.forEach((o, i) => out.push(JSON.stringify(o) + (i < items.length - 1 ? ',' : '')));
  out.push(last ? `]}` : `],`);
}

export function serializeGraph(g: GraphFile): string {
  const out: string[] = [];
  out.push(`{"schema":${JSON.stringify(GRAPH_SCHEMA)},`);
  const caps = [...g.captures].sort((a, b) => compareNames(a.name, b.name));
  records(out, 'captures', caps.map((c) => {
    const o: Record<string, unknown> = { name: c.name };
    if (c.kernel !== undefined) o.kernel = c.kernel;
    o.inputs = c.inputs.map((x) => ({ name: x.name, positions: x.positions }));
    if (c.wqModel) o.wqModel = c.wqModel;
    if (c.cannotReport?.length) o.cannotReport = [...c.cannotReport].sort(compareNames);
    return o;
  }), false);
  const classes = [...g.classes].sort((a, b) => compareNames(a.name, b.name));
  records(out, 'classes', classes.map((c) => {
    const o: Record<string, unknown> = { name: c.name, usageBits: c.usageBits, usage: c.usage };
    const firsts = c.usage.filter((u) => c.usageFirst?.[u]);
    if (firsts.length) o.usageFirst = Object.fromEntries(firsts.map((u) => [u, evidenceJson(c.usageFirst![u]!)]));
    o.written = c.written;
    o.read = c.read;
    if (c.lockStat) o.lockStat = true;
    if (c.heldAcrossSwitch) o.heldAcrossSwitch = true;
    return o;
  }), false);
  const deps = [...g.dependencies].sort(compareDependencies);
  records(out, 'dependencies', deps.map((d) => {
    const o: Record<string, unknown> = {
      from: d.from, to: d.to, count: d.count, clean: d.clean, ...(d.refuted ? { refuted: d.refuted } : {}), combos: d.combos, kinds: d.kinds,
      first: evidenceJson(d.first),
    };
    if (d.firstClean) o.firstClean = evidenceJson(d.firstClean);
    // Held-stack order, outermost first, as the replay keeps them: the gate a finding names is the first one.
    o.gates = d.gates.map((x) => ({ class: x.class, instance: x.instance }));
    o.captures = d.captures;
    if (d.idleWorkqueue) o.idleWorkqueue = true;
    return o;
  }), false);
  const recs = [...g.recursions].sort(compareRecursions);
  records(out, 'recursions', recs.map((r) => {
    const o: Record<string, unknown> = { class: r.class, prevRead: r.prevRead, nextRead: r.nextRead };
    if (r.uncertain) o.uncertain = true;
    if (r.crossContext) o.crossContext = true;
    if (r.refuted) o.refuted = true;
    o.held = evidenceJson(r.held);
    o.again = evidenceJson(r.again);
    return o;
  }), true);
  return out.join('\n') + '\n';
}
