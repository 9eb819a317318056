/**
 * The graph file (`lockreplay/graph@1`, docs/graph-schema.md): what lockdep
 * knows after one or more captures, as plain data keyed by class display
 * names, so captures from different boots and kernels can be merged and
 * compared. Instance addresses and class IDs never appear as keys: they mean
 * nothing outside their boot.
 *
 * Written one record per line (classes and dependencies sorted by name), so
 * the same graph always gives the same bytes and a large file can be read
 * as a stream (graph/graphFileReader).
 */

import type { EvidenceOut } from '../analysis/findings.ts';

export const GRAPH_SCHEMA = 'lockreplay/graph@1';

export interface GraphCaptureInput {
  name: string;
  positions: 'line' | 'byte';
}

/** One replay run (one boot): its inputs in replay order. */
export interface GraphCapture {
  name: string;
  kernel?: string;
  inputs: GraphCaptureInput[];
}

export interface GraphClass {
  /** Display name as lockdep prints it (name, #N, /N). */
  name: string;
  /** irq usage bits (analysis/irqUsage Usage), and the same as lockdep's usage strings. */
  usageBits: number;
  usage: string[];
  /** Ever acquired for write / for read (decides S vs R for plain `read`). */
  written: boolean;
  read: boolean;
  /** lock_contended/lock_acquired seen: a real lock, not a lockdep_map (decides S vs R for a task-context `read`); written only when true. */
  lockStat?: boolean;
}

/** A replay's evidence (analysis/findings EvidenceOut) plus the capture it came from. */
export interface GraphEvidence extends EvidenceOut {
  capture: string;
  /** Recorded without an irq flags column. */
  noContext?: boolean;
}

export interface GraphGate {
  class: string;
  instance: string;
}

export interface GraphDependency {
  from: string;
  to: string;
  count: number;
  /** Observations made while held state was certain. */
  clean: number;
  /** 9-bit mask of raw (prev, next) read kinds, bit 3*prev+next (replay/readKinds). */
  combos: number;
  /** lockdep's E/S/R kinds as judged with this graph's classes, e.g. "E->E". */
  kinds: string[];
  first: GraphEvidence;
  firstClean?: GraphEvidence;
  /** Lock instances held at every observation (gate candidates), same boot only. */
  gates: GraphGate[];
  /** Captures in which the dependency was seen, sorted. */
  captures: string[];
}

export interface GraphHeader {
  schema: typeof GRAPH_SCHEMA;
  captures: GraphCapture[];
}

export interface GraphFile extends GraphHeader {
  classes: GraphClass[];
  dependencies: GraphDependency[];
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
  o.ts = e.ts;
  o.cpu = e.cpu;
  o.pid = e.pid;
  o.comm = e.comm;
  o.context = e.context;
  o.held = e.held;
  if (e.heldOmitted) o.heldOmitted = e.heldOmitted;
  if (e.uncertain) o.uncertain = true;
  if (e.noContext) o.noContext = true;
  if (e.stack) o.stack = e.stack;
  if (e.heldStack) o.heldStack = e.heldStack;
  return o;
}

export function serializeGraph(g: GraphFile): string {
  const out: string[] = [];
  out.push(`{"schema":${JSON.stringify(GRAPH_SCHEMA)},`);
  const caps = [...g.captures].sort((a, b) => compareNames(a.name, b.name));
  out.push(`"captures":[`);
  caps.forEach((c, i) => {
    const o: Record<string, unknown> = { name: c.name };
    if (c.kernel !== undefined) o.kernel = c.kernel;
    o.inputs = c.inputs.map((x) => ({ name: x.name, positions: x.positions }));
    out.push(JSON.stringify(o) + (i < caps.length - 1 ? ',' : ''));
  });
  out.push(`],`);
  const classes = [...g.classes].sort((a, b) => compareNames(a.name, b.name));
  out.push(`"classes":[`);
  classes.forEach((c, i) => {
    const o = { name: c.name, usageBits: c.usageBits, usage: c.usage, written: c.written, read: c.read, ...(c.lockStat ? { lockStat: true } : {}) };
    out.push(JSON.stringify(o) + (i < classes.length - 1 ? ',' : ''));
  });
  out.push(`],`);
  const deps = [...g.dependencies].sort(compareDependencies);
  out.push(`"dependencies":[`);
  deps.forEach((d, i) => {
    const o: Record<string, unknown> = {
      from: d.from, to: d.to, count: d.count, clean: d.clean, combos: d.combos, kinds: d.kinds,
      first: evidenceJson(d.first),
    };
    if (d.firstClean) o.firstClean = evidenceJson(d.firstClean);
    o.gates = [...d.gates].sort((a, b) => compareNames(a.class, b.class) || compareNames(a.instance, b.instance)).map((x) => ({ class: x.class, instance: x.instance }));
    o.captures = d.captures;
    out.push(JSON.stringify(o) + (i < deps.length - 1 ? ',' : ''));
  });
  out.push(`]}`);
  return out.join('\n') + '\n';
}
