/**
 * A graph (one capture's or a union's) loaded into a fresh Replayer, so its
 * findings come from the very code that judges a replay (buildResult ->
 * analysis/verdicts judgeCycle). Classes are created under their display
 * names (one static class per name: '#N' and '/N' stay part of the name),
 * dependencies are added in evidence order (capture, input, position; then
 * names) so the cycle-closing dependency is the one recorded last, as in a
 * replay. Each (capture, input) pair becomes one report input, so every
 * evidence line cites the capture it came from.
 *
 * Not carried by graph files, so never judged on a union: recursive locking
 * and inconsistent irq state (they need the acquisitions themselves) and the
 * shared-workqueue-model rule (it needs workqueue instances).
 */
import { addSyzbotTitles } from '../analysis/syzbotTitle.ts';
import { GlobalStrings } from '../model/globalStrings.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer, type ReplayOptions } from '../replay/replayer.ts';
import type { Evidence } from './evidence.ts';
import { ContextKind } from '../replay/contexts.ts';
import { Warnings } from '../decode/warnings.ts';
import { emptyStats } from '../decode/decoder.ts';
import { buildResult, type ReplayResult } from '../report/result.ts';
import type { InputSummary } from '../pipeline/runReplay.ts';
import { READ_KIND_LETTER, dependencyKinds } from '../analysis/readInterpretation.ts';
import {
  compareDependencies, compareNames, type GraphCapture, type GraphClass, type GraphDependency, type GraphEvidence, type GraphFile,
} from './graphFile.ts';
import { compareEvidence } from './mergeGraphs.ts';
import { finishFindings } from '../analysis/trustOrder.ts';

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

  /** A class's usage and read/write marks, OR-ed into what is known of it. */
  addClass(c: GraphClass): number {
    const r = this.replayer, id = this.classOf(c.name);
    r.classes.everWritten[id] = !!r.classes.everWritten[id] || c.written;
    r.classes.everRead[id] = !!r.classes.everRead[id] || c.read;
    if (c.lockStat) r.classes.lockStat[id] = true;
    while (r.usage.bits.length <= id) r.usage.bits.push(0);
    r.usage.bits[id] |= c.usageBits;
    return id;
  }

  private inputOf(e: GraphEvidence): number {
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
    if (e.heldOmitted) ev.heldOmitted = e.heldOmitted;
    if (e.noContext) ev.noContext = true;
    if (e.inferred) ev.inferred = e.inferred;
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
    const graph = this.replayer.graph;
    const from = this.classOf(d.from), to = this.classOf(d.to);
    const first = this.evidence(d.first);
    const gates: number[] = [];
    for (const x of d.gates) gates.push(this.classOf(x.class), this.strings.intern(x.instance));
    const lowest = 31 - Math.clz32(d.combos & -d.combos);
    const e = graph.observe(from, to, lowest, false);
    graph.setEvidence(e, first);
    graph.count[e] = d.count;
    graph.cleanCount[e] = d.clean;
    graph.combos[e] = d.combos;
    graph.firstClean[e] = d.firstClean ? (compareEvidence(d.firstClean, d.first) === 0 ? first : this.evidence(d.firstClean)) : undefined;
    graph.gates[e] = gates.length ? gates : null;
    return e;
  }
}

export function importGraph(g: GraphFile, opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS): ImportedGraph {
  const imp = new GraphImporter(opts);
  for (const c of [...g.captures].sort((a, b) => compareNames(a.name, b.name))) imp.addCapture(c);
  for (const c of g.classes) imp.addClass(c);
  // Evidence order, so the dependency that closes a cycle is the one seen last.
  const order = g.dependencies.map((_, i) => i);
  order.sort((a, b) => compareEvidence(g.dependencies[a].first, g.dependencies[b].first) || compareDependencies(g.dependencies[a], g.dependencies[b]));
  const edgeOf: number[] = new Array(g.dependencies.length).fill(-1);
  for (const i of order) edgeOf[i] = imp.addDependency(g.dependencies[i]);
  return { replayer: imp.replayer, inputs: imp.inputs, edgeOf };
}

/** The union's findings, judged as a replay's are. */
export function graphResult(imp: ImportedGraph): ReplayResult {
  const result = buildResult(imp.replayer, imp.inputs, emptyStats(), new Warnings());
  addSyzbotTitles(result.findings);
  result.findings = finishFindings(result.findings);
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
