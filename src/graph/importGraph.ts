/**
 * A graph (one capture's or a union's) loaded into a fresh Replayer, so its
 * findings come from the very code that judges a replay (buildResult ->
 * analysis/verdicts, completeAnalysis). Classes are created under their
 * display names (one static class per name: '#N' and '/N' stay part of the
 * name), dependencies are added in recording order (capture, then the event
 * ordinal `seq`; then names) so the cycle-closing dependency is the one
 * recorded last, as in a replay. Each (capture, input) pair becomes one
 * report input, so every evidence line cites the capture it came from.
 *
 * Usage bits are set through IrqUsage.mark() in the order their first
 * evidence was recorded, so inconsistent irq state is found as the replay
 * found it (and across captures: one class's usages in two boots); the
 * recursions are judged with the union's read kinds; gate instances are
 * qualified by their capture (an address is one lock within one boot only).
 * Captures read from graph@1 files have no usage evidence and no recursions:
 * their usage bits are left out of the analysis, and the report says which
 * finding kinds they cannot support (graphResult()).
 */
import { GlobalStrings } from '../model/globalStrings.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer, type ReplayOptions } from '../replay/replayer.ts';
import type { Evidence } from './evidence.ts';
import { ContextKind } from '../replay/contexts.ts';
import { WARNING_TEXT, Warnings } from '../decode/warnings.ts';
import { emptyStats } from '../decode/decoder.ts';
import { buildResult, type ReplayResult } from '../report/result.ts';
import { completeAnalysis } from '../analysis/completeAnalysis.ts';
import { USAGE_NAMES } from '../analysis/irqUsage.ts';
import type { Rules } from '../analysis/rules.ts';
import type { InputSummary } from '../report/inputSummary.ts';
import { READ_KIND_LETTER, dependencyKinds } from '../analysis/readInterpretation.ts';
import {
  compareDependencies, compareNames, type GraphCapture, type GraphClass, type GraphDependency, type GraphEvidence, type GraphFile,
  type GraphPlace, type GraphRecursion,
} from './graphFile.ts';
import { compareEvidence } from './mergeGraphs.ts';

export interface ImportedGraph {
  replayer: Replayer;
  inputs: InputSummary[];
  /** Dependency ID in the replayer per index of graph.dependencies. */
  edgeOf: number[];
}

/** How an evidence's input is named in a report: the capture, and the input when it differs. */
export function citeInput(capture: string, input: string): string {
  return capture === input ? capture : `${capture}: ${input}`;
}

/**
 * Loads graph records into a fresh Replayer one at a time: importGraph() for a
 * whole graph, graph/crossCapture for a union that grows capture by capture.
 * A dependency added after others is "recorded later" (its cycle check sees them).
 */
export class GraphImporter {
  readonly strings = new GlobalStrings();
  readonly replayer: Replayer;
  readonly inputs: InputSummary[] = [];
  private readonly inputIndex = new Map<string, number>();
  private readonly classIds = new Map<string, number>();
  /** Usage bits with their first evidence, waiting for markUsage(). */
  private readonly marks: { cls: number; bit: number; ev: GraphEvidence }[] = [];

  constructor(opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS) {
    this.replayer = new Replayer(this.strings, opts);
  }

  /** The capture's inputs become report inputs, each named `capture: input`. */
  addCapture(c: GraphCapture): void {
    for (const inp of c.inputs) {
      const key = JSON.stringify([c.name, inp.name]);
      if (this.inputIndex.has(key)) continue;
      this.inputIndex.set(key, this.inputs.length);
      this.inputs.push({
        name: citeInput(c.name, inp.name), positions: inp.positions, format: 'graph', compression: 'none', bytes: 0,
        notes: [`capture ${c.name}${c.kernel !== undefined ? ` (kernel ${c.kernel})` : ''}`],
      });
    }
  }

  classOf(name: string): number {
    let c = this.classIds.get(name);
    if (c === undefined) {
      const r = this.replayer;
      c = r.classes.classOf(r.classes.baseOf(this.strings.intern(name), 0), 0);
      this.classIds.set(name, c);
    }
    return c;
  }

  /**
   * A class's read/write and sleeping-lock marks, OR-ed into what is known of
   * it. Its usage bits are OR-ed in as well, unless `usageFromEvidence`: then
   * only the bits with a first evidence count, set later by markUsage() in
   * recording order (what the irq findings need).
   */
  addClass(c: GraphClass, usageFromEvidence = false): number {
    const r = this.replayer, id = this.classOf(c.name);
    r.classes.everWritten[id] = !!r.classes.everWritten[id] || c.written;
    r.classes.everRead[id] = !!r.classes.everRead[id] || c.read;
    if (c.lockStat) r.classes.lockStat[id] = true;
    r.classes.heldAcrossSwitch[id] = !!r.classes.heldAcrossSwitch[id] || !!c.heldAcrossSwitch;
    if (!usageFromEvidence) {
      while (r.usage.bits.length <= id) r.usage.bits.push(0);
      r.usage.bits[id] |= c.usageBits;
      return id;
    }
    for (let bit = 0; bit < USAGE_NAMES.length; bit++) {
      const ev = c.usageFirst?.[USAGE_NAMES[bit]];
      if (ev && c.usageBits & (1 << bit)) this.marks.push({ cls: id, bit, ev });
    }
    return id;
  }

  /** The queued usage bits through IrqUsage.mark() in recording order; the bits one event set are marked together, as the replay did. */
  markUsage(): void {
    const marks = this.marks.sort((a, b) => this.compareRecording(a.ev, b.ev) || a.cls - b.cls || a.bit - b.bit);
    for (let k = 0; k < marks.length; ) {
      const m = marks[k];
      let bits = 0, j = k;
      for (; j < marks.length && marks[j].cls === m.cls && this.compareRecording(marks[j].ev, m.ev) === 0; j++) bits |= 1 << marks[j].bit;
      this.replayer.usage.mark(m.cls, bits, this.evidence(m.ev));
      k = j;
    }
    marks.length = 0;
  }

  /**
   * Recording order: by capture, then by event ordinal within the capture
   * (byte offsets of a trace.dat are not in time order); graph@1 evidence has
   * no ordinal: inputs in replay order, then position.
   */
  compareRecording(a: GraphEvidence, b: GraphEvidence): number {
    return compareNames(a.capture, b.capture) || (a.seq !== undefined && b.seq !== undefined ? a.seq - b.seq : 0) ||
      this.inputOf(a) - this.inputOf(b) || (a.line ?? a.byte ?? 0) - (b.line ?? b.byte ?? 0);
  }

  private inputOf(e: GraphPlace): number {
    const key = JSON.stringify([e.capture, e.input]);
    let i = this.inputIndex.get(key);
    if (i === undefined) {
      // Evidence naming an input its capture does not list: still cited, never dropped.
      i = this.inputs.length;
      this.inputIndex.set(key, i);
      this.inputs.push({ name: citeInput(e.capture, e.input), positions: e.byte !== undefined ? 'byte' : 'line', format: 'graph', compression: 'none', bytes: 0 });
    }
    return i;
  }

  evidence(e: GraphEvidence): Evidence {
    const r = this.replayer;
    const ev: Evidence = {
      input: this.inputOf(e), pos: e.line ?? e.byte ?? 0, tsNs: parseTs(e.ts), cpu: e.cpu, pid: e.pid, comm: this.strings.intern(e.comm),
      ctx: contextOf(r, e.context, e.pid), held: e.held.map((n) => this.classOf(n)), uncertain: !!e.uncertain,
    };
    if (e.seq !== undefined) ev.seq = e.seq;
    if (e.heldOmitted) ev.heldOmitted = e.heldOmitted;
    if (e.noContext) ev.noContext = true;
    if (e.inferred) ev.inferred = e.inferred;
    if (e.restsOn) {
      const p = e.restsOn;
      ev.restsOn = { cls: p.class !== undefined ? this.classOf(p.class) : -1, input: this.inputOf(p), pos: p.line ?? p.byte ?? 0, why: p.why };
    }
    if (e.provenBy) ev.provenBy = { input: this.inputOf(e.provenBy), pos: e.provenBy.line ?? e.provenBy.byte ?? 0 };
    if (e.stack) ev.stack = this.stackOf(e.stack);
    if (e.heldStack) ev.heldStack = this.stackOf(e.heldStack);
    return ev;
  }

  /** A graph file's stack (frames as printed) back into the replay's stack table, so findings carry it again. */
  private stackOf(frames: string[]): number {
    const st = this.replayer.stacks;
    st.begin();
    for (const f of frames) st.add(st.frameOf(this.strings.intern(f)));
    return st.end();
  }

  /** Records the dependency as if observed now (so the cycle check runs) and returns its ID. */
  addDependency(d: GraphDependency): number {
    const r = this.replayer, graph = r.graph;
    const from = this.classOf(d.from), to = this.classOf(d.to);
    const first = this.evidence(d.first);
    const gates: number[] = [];
    // An instance is one lock within its own boot only (graph/mergeGraphs keeps the gates of one capture only).
    for (const x of d.gates) gates.push(this.classOf(x.class), this.strings.intern(`${d.captures[0]}\u0000${x.instance}`));
    const lowest = 31 - Math.clz32(d.combos & -d.combos);
    const e = graph.observe(from, to, lowest, false);
    graph.setEvidence(e, first);
    graph.count[e] = d.count;
    graph.cleanCount[e] = d.clean;
    graph.refutedCount[e] = d.refuted ?? 0;
    graph.combos[e] = d.combos;
    graph.firstClean[e] = d.firstClean ? (compareEvidence(d.firstClean, d.first) === 0 ? first : this.evidence(d.firstClean)) : undefined;
    graph.gates[e] = gates.length ? gates : null;
    // Settled at the end of its capture (graph/graphFromReplay): recorded only on instances no work item ran on.
    if (d.idleWorkqueue) r.wqEdgeInstances.set(e, new Set([-1]));
    return e;
  }

  /** A same-instance re-acquisition, judged with the graph's read kinds when the result is built. */
  addRecursion(rc: GraphRecursion): void {
    this.replayer.recursions.push({
      cls: this.classOf(rc.class), prevRaw: rc.prevRead, nextRaw: rc.nextRead, uncertain: !!rc.uncertain, crossContext: !!rc.crossContext,
      ...(rc.refuted ? { refuted: true } : {}),
      prev: this.evidence(rc.held), next: this.evidence(rc.again),
    });
  }
}

export function importGraph(g: GraphFile, opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS): ImportedGraph {
  // The "workqueue never used" rule applies where a capture was replayed with per-name workqueue classes.
  const wqModel = g.captures.some((c) => c.wqModel === 'shared') ? 'shared' : opts.wqModel;
  const imp = new GraphImporter({ ...opts, wqModel });
  for (const c of [...g.captures].sort((a, b) => compareNames(a.name, b.name))) imp.addCapture(c);
  for (const c of g.classes) imp.addClass(c, true);
  imp.markUsage();
  for (const rc of [...g.recursions].sort((a, b) => imp.compareRecording(a.again, b.again))) imp.addRecursion(rc);
  // Recording order, so the dependency that closes a cycle is the one seen last.
  const order = g.dependencies.map((_, i) => i);
  order.sort((a, b) => imp.compareRecording(g.dependencies[a].first, g.dependencies[b].first) || compareDependencies(g.dependencies[a], g.dependencies[b]));
  const edgeOf: number[] = new Array(g.dependencies.length).fill(-1);
  for (const i of order) edgeOf[i] = imp.addDependency(g.dependencies[i]);
  return { replayer: imp.replayer, inputs: imp.inputs, edgeOf };
}

/** The union's findings, judged as a replay's are (every kind), with the kinds some captures cannot support said. */
export function graphResult(imp: ImportedGraph, g: GraphFile, rules?: Rules): ReplayResult {
  const result = completeAnalysis(buildResult(imp.replayer, imp.inputs, emptyStats(), new Warnings()), imp.replayer, rules);
  const lacking = g.captures.filter((c) => c.cannotReport?.length);
  if (lacking.length) {
    result.warnings.push({
      kind: 'graph-cannot-report', count: lacking.length, text: WARNING_TEXT['graph-cannot-report'],
      first: lacking.map((c) => ({ input: c.name, detail: `cannot report ${c.cannotReport!.join(', ')}` })),
    });
  }
  return result;
}

/** Fills each dependency's E/S/R kinds as judged with the graph's own classes. */
export function fillKinds(g: GraphFile, imp: ImportedGraph): void {
  const r = imp.replayer;
  g.dependencies.forEach((d, i) => {
    d.kinds = dependencyKinds(r.classes, r.graph, imp.edgeOf[i]).map(([p, n]) => `${READ_KIND_LETTER[p]}->${READ_KIND_LETTER[n]}`).sort();
  });
}

function parseTs(ts: string): number {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(ts);
  if (!m) return 0;
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0'));
}

/** Back from Contexts.describe(): "task N", "idle of CPU N", "softirq of CPU N", "hardirq of CPU N". */
function contextOf(r: Replayer, text: string, pid: number): number {
  const m = /^(task|idle|softirq|hardirq)(?: of CPU)? (\d+)$/.exec(text);
  if (!m) return r.contexts.id(ContextKind.Task, pid);
  const kind = { task: ContextKind.Task, idle: ContextKind.Idle, softirq: ContextKind.Softirq, hardirq: ContextKind.Hardirq }[m[1] as 'task'];
  return r.contexts.id(kind, Number(m[2]));
}
