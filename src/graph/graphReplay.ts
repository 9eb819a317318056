/**
 * Replay where graphs are involved: `replay --save-graph`, and `replay` over a
 * mix of traces and graph files. Traces are replayed as one capture (as
 * `replay` always does); graph files are streamed into a union with that
 * capture's graph; the report is then the union's, judged by the same code.
 * The trace part is pipeline/runReplay's replayTraces(), so its report is the plain replay's.
 */
import { statSync, writeFileSync } from 'node:fs';
import { openInput } from '../io/openInput.ts';
import { detectFormat } from '../decode/detectFormat.ts';
import type { ReplayResult } from '../report/result.ts';
import { DEFAULT_RUN_OPTIONS, replayTraces, type RunOptions } from '../pipeline/runReplay.ts';
import type { Finding } from '../analysis/findings.ts';
import { finishFindings } from '../analysis/trustOrder.ts';
import { GRAPH_SCHEMA, dependencyKey, serializeGraph, type GraphCapture, type GraphEvidence, type GraphFile } from './graphFile.ts';
import { readProcLockdep, type LockdepGraph } from '../decode/lockdep/procLockdep.ts';
import { graphFromReplay } from './graphFromReplay.ts';
import { readGraphInput } from './graphFileReader.ts';
import { GraphUnion, foldGraph } from './mergeGraphs.ts';
import { attachGraph } from './resultGraph.ts';
import { citeInput, fillKinds, graphResult, importGraph } from './importGraph.ts';

export interface CaptureMeta {
  /** Capture name; default: the trace inputs' names joined by " + ". */
  name?: string;
  kernel?: string;
}

export interface GraphReplayOutcome {
  result: ReplayResult;
  graph: GraphFile;
}

/** True when the file at `path` is a graph file (never for stdin: it cannot be read twice). */
export async function isGraphInput(path: string): Promise<boolean> {
  // Sniffing a pipe or FIFO would consume the start of its data: only regular files can be graph files.
  if (path === '-' || !statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
  const input = await openInput(path);
  const isGraph = detectFormat(input.head)?.format === 'graph';
  // Let the stream go: nothing else is read from it.
  const it = input.chunks[Symbol.asyncIterator]();
  await it.return?.();
  return isGraph;
}

/** Replays the trace inputs as one capture and returns the report and the capture's graph. */
export async function replayCapture(opts: RunOptions, meta: CaptureMeta): Promise<GraphReplayOutcome> {
  const { result, replayer, inputs } = await replayTraces(opts);
  const capture: GraphCapture = { name: meta.name ?? inputs.map((i) => i.name).join(' + '), inputs: inputs.map((i) => ({ name: i.name, positions: i.positions })) };
  if (meta.kernel !== undefined) capture.kernel = meta.kernel;
  const graph = graphFromReplay(replayer, inputs, [capture], (i) => ({ capture: capture.name, input: inputs[i]?.name ?? '(end of capture)' }));
  return { result, graph };
}

/**
 * Streams graph files (and the graph of an in-memory capture, if any) into one
 * union and judges it. Input order does not matter: the union is the same.
 */
export async function unionOf(graphPaths: string[], ...captured: (GraphFile | undefined)[]): Promise<GraphReplayOutcome> {
  const u = new GraphUnion();
  for (const g of captured) if (g) foldGraph(u, g, g.captures.map((c) => c.name).join(', '));
  for (const p of graphPaths) {
    const input = await openInput(p);
    u.source = input.name;
    await readGraphInput(input, u);
  }
  const graph = u.toGraph();
  const imp = importGraph(graph);
  fillKinds(graph, imp);
  const result = graphResult(imp);
  annotateProvenance(result, graph);
  attachGraph(result, graph);
  return { result, graph };
}

/** Adds to each finding's dependency the captures it was seen in (JSON `captures`; text cites the capture in its evidence). */
export function annotateProvenance(result: ReplayResult, graph: GraphFile): void {
  const caps = new Map<string, string[]>();
  for (const d of graph.dependencies) caps.set(dependencyKey(d.from, d.to), d.captures);
  for (const f of result.findings) {
    for (const d of f.dependencies) {
      const c = caps.get(dependencyKey(d.from, d.to));
      if (c) d.captures = c;
    }
  }
}

/** `replay` with graph files among its inputs and/or --save-graph. */
export async function replayWithGraphs(opts: RunOptions, meta: CaptureMeta): Promise<GraphReplayOutcome> {
  const traces: string[] = [], graphs: string[] = [];
  for (const p of opts.inputs) ((await isGraphInput(p)) ? graphs : traces).push(p);
  const captured = traces.length ? await replayCapture({ ...opts, inputs: traces }, meta) : undefined;
  if (!graphs.length && captured) return captured;
  const union = await unionOf(graphs, captured?.graph);
  if (captured) keepTraceOnlyFindings(union.result, captured);
  return union;
}

/**
 * Recursive locking and inconsistent irq state need the acquisitions, which
 * graph files do not carry: when traces are replayed beside graph files, the
 * traces' own findings of those kinds are kept, their evidence renamed to the
 * union's inputs (`capture: input`).
 */
function keepTraceOnlyFindings(result: ReplayResult, captured: GraphReplayOutcome): void {
  const capture = captured.graph.captures[0];
  const rename = (name: string) => citeInput(capture.name, name);
  const indexOf = new Map(result.inputs.map((inp, i) => [inp.name, i]));
  for (const f of captured.result.findings) {
    if (f.kind === 'circular-dependency') continue;
    const copy: Finding = JSON.parse(JSON.stringify(f));
    delete copy.lockdepWouldReportFirst;
    for (const e of copy.evidence ?? []) e.at.input = rename(e.at.input);
    for (const d of copy.dependencies) {
      d.first.input = rename(d.first.input);
      if (d.firstClean) d.firstClean.input = rename(d.firstClean.input);
    }
    const inp = captured.result.inputs[f.at.input];
    copy.at = { input: inp ? indexOf.get(rename(inp.name)) ?? result.inputs.length : result.inputs.length, pos: f.at.pos };
    result.findings.push(copy);
  }
  result.findings = finishFindings(result.findings);
}

export function emptyGraph(): GraphFile {
  return { schema: GRAPH_SCHEMA, captures: [], classes: [], dependencies: [] };
}

/**
 * The `replay` command's entry when graphs may be involved: without graph
 * inputs and without --save-graph it is exactly `plain` (runReplay).
 */
export async function replayMaybeGraphs(
  opts: RunOptions, g: { saveGraph?: string; capture?: string; kernel?: string; format?: string }, plain: (o: RunOptions) => Promise<ReplayResult>,
): Promise<ReplayResult> {
  let anyGraph = false;
  for (const p of opts.inputs) if (await isGraphInput(p)) anyGraph = true;
  // The html report draws each cycle's neighbourhood: it needs the graph.
  if (!anyGraph && g.saveGraph === undefined && g.format !== 'html') return plain(opts);
  const out = await replayWithGraphs(opts, { name: g.capture, kernel: g.kernel });
  if (g.saveGraph !== undefined) writeFileSync(g.saveGraph, serializeGraph(out.graph));
  attachGraph(out.result, out.graph);
  return out.result;
}

/** One input as a graph: a graph file as it is, a trace replayed as one capture (named by its path). */
export async function graphOfInput(path: string, opts: Omit<RunOptions, 'inputs'> = DEFAULT_RUN_OPTIONS): Promise<GraphFile> {
  if (path !== '-') {
    const input = await openInput(path);
    const format = detectFormat(input.head)?.format;
    await input.chunks[Symbol.asyncIterator]().return?.();
    if (format === 'lockdep') return graphOfProcLockdep(input.name, await readProcLockdep(path));
  }
  if (await isGraphInput(path)) {
    const u = new GraphUnion();
    const input = await openInput(path);
    u.source = input.name;
    await readGraphInput(input, u);
    const g = u.toGraph();
    fillKinds(g, importGraph(g));
    return g;
  }
  return (await replayCapture({ ...opts, inputs: [path] }, {})).graph;
}

/**
 * The kernel's own graph (/proc/lockdep, decode/lockdep) as a graph file, for
 * `diff`: classes and direct dependencies only. It says nothing about when a
 * dependency was recorded, so each one's evidence names the dump with line 0
 * and context "/proc/lockdep", and its read kinds are unknown (taken as E->E).
 */
export function graphOfProcLockdep(name: string, lg: LockdepGraph): GraphFile {
  const ev: GraphEvidence = { capture: name, input: name, line: 0, ts: '0.000000', cpu: 0, pid: 0, comm: '', context: '/proc/lockdep', held: [] };
  const classes = new Map<string, GraphFile['classes'][number]>();
  for (const c of lg.classes) if (!classes.has(c.name)) classes.set(c.name, { name: c.name, usageBits: 0, usage: [], written: true, read: false });
  const deps = new Map<string, GraphFile['dependencies'][number]>();
  for (const d of lg.dependencies) {
    for (const n of [d.from, d.to]) if (!classes.has(n)) classes.set(n, { name: n, usageBits: 0, usage: [], written: true, read: false });
    deps.set(dependencyKey(d.from, d.to), { from: d.from, to: d.to, count: 1, clean: 1, combos: 1, kinds: ['E->E'], first: ev, firstClean: ev, gates: [], captures: [name] });
  }
  const u = new GraphUnion();
  foldGraph(u, { schema: GRAPH_SCHEMA, captures: [{ name, inputs: [{ name, positions: 'line' }] }], classes: [...classes.values()], dependencies: [...deps.values()] }, name);
  return u.toGraph();
}
