/**
 * Replay where graphs are involved: `replay` of several captures, `replay
 * --save-graph`, `replay` over a mix of traces and graph files, `merge` and
 * `export`. Several trace inputs are several captures (separate boots) unless
 * the user says they are pieces of one (`--one-capture`): each capture is
 * replayed on its own (its addresses, pids, held stacks and buffer starts
 * stay its own) into a graph, graph files are streamed in beside them, and
 * the union is judged by the same code as a replay (graph/importGraph), so
 * `replay a b` and `merge a b` give the same findings.
 */
import { statSync, writeFileSync } from 'node:fs';
import { openInput } from '../io/openInput.ts';
import { detectFormat } from '../decode/detectFormat.ts';
import type { ReplayResult, ReplayStats, WarningOut } from '../report/result.ts';
import { DEFAULT_RUN_OPTIONS, replayTraces, type RunOptions } from '../pipeline/runReplay.ts';
import { DEFAULT_REPLAY_OPTIONS } from '../replay/replayer.ts';
import { InputError } from '../model/inputError.ts';
import { FIRST_LOCATIONS, WARNING_KINDS } from '../decode/warnings.ts';
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

/** A capture's replay: its report (stats, warnings, findings), its graph, and the chain-cache figures behind the stats. */
interface CaptureRun extends GraphReplayOutcome {
  chainLookups: number;
  chainHits: number;
}

/** The inputs of one command: graph files, and traces grouped into captures. */
export interface CaptureSources {
  /** Trace paths per capture, in command-line order. */
  captures: string[][];
  graphs: string[];
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

/** Graph files apart; each trace its own capture, or all traces one capture (`oneCapture`: pieces of one recording). */
export async function captureSources(inputs: string[], oneCapture: boolean): Promise<CaptureSources> {
  const traces: string[] = [], graphs: string[] = [];
  for (const p of inputs) ((await isGraphInput(p)) ? graphs : traces).push(p);
  return { captures: oneCapture ? (traces.length ? [traces] : []) : traces.map((t) => [t]), graphs };
}

/** Replays the trace inputs as one capture and returns the report and the capture's graph. */
export async function replayCapture(opts: RunOptions, meta: CaptureMeta): Promise<CaptureRun> {
  const { result, replayer, inputs } = await replayTraces(opts);
  const capture: GraphCapture = { name: meta.name ?? inputs.map((i) => i.name).join(' + '), inputs: inputs.map((i) => ({ name: i.name, positions: i.positions })) };
  if (meta.kernel !== undefined) capture.kernel = meta.kernel;
  if (opts.replay.wqModel === 'shared') capture.wqModel = 'shared';
  const graph = graphFromReplay(replayer, inputs, [capture], (i) => ({ capture: capture.name, input: inputs[i]?.name ?? '(end of capture)' }));
  return { result, graph, chainLookups: replayer.counters.chainLookups, chainHits: replayer.counters.chainHits };
}

/**
 * The captures replayed one by one and the graph files streamed in, as one
 * union judged by the graph code. One capture and no graph file is that
 * capture's own replay (its report is the plain replay's).
 */
export async function judgeCaptures(src: CaptureSources, opts: RunOptions, meta: CaptureMeta): Promise<GraphReplayOutcome> {
  if (src.captures.length > 1 && meta.name !== undefined) {
    throw new InputError('--capture', undefined, `names one capture, but the ${src.captures.length} trace inputs are ${src.captures.length} captures (add --one-capture if they are pieces of one recording)`);
  }
  if (src.captures.length === 1 && !src.graphs.length) return replayCapture({ ...opts, inputs: src.captures[0] }, meta);
  const u = new GraphUnion();
  const runs: CaptureRun[] = [];
  for (const [k, c] of src.captures.entries()) {
    if (opts.stop?.aborted) {
      // SIGINT/SIGTERM: the report covers the captures replayed so far, and says what it left out.
      const last = runs[runs.length - 1]?.result.inputs;
      if (last?.length) (last[last.length - 1].notes ??= []).push(`stopped (${String(opts.stop.reason)}): ${src.captures.length - k} later capture(s) not read`);
      break;
    }
    const run = await replayCapture({ ...opts, inputs: c }, { ...meta, name: src.captures.length === 1 ? meta.name : undefined });
    foldGraph(u, run.graph, c.join(', '));
    // The union keeps what is needed; each capture's own graph can go.
    runs.push({ ...run, graph: { ...run.graph, classes: [], dependencies: [], recursions: [] } });
  }
  for (const p of src.graphs) {
    const input = await openInput(p);
    u.source = input.name;
    await readGraphInput(input, u);
  }
  const out = judgeUnion(u, opts.replay);
  withCaptureRuns(out.result, runs);
  return out;
}

/** The union's input list, counters and warnings completed with what each replayed capture saw. */
function withCaptureRuns(result: ReplayResult, runs: CaptureRun[]): void {
  if (!runs.length) return;
  const byName = new Map(result.inputs.map((inp, i) => [inp.name, i]));
  const warnings: WarningOut[][] = [result.warnings];
  const observations: WarningOut[][] = [result.observations];
  let lookups = 0, hits = 0;
  for (const run of runs) {
    const capture = run.graph.captures[0].name;
    const rename = (name: string) => citeInput(capture, name);
    for (const inp of run.result.inputs) {
      const at = byName.get(rename(inp.name));
      if (at !== undefined) result.inputs[at] = { ...inp, name: rename(inp.name), notes: [...(inp.notes ?? []), ...(result.inputs[at].notes ?? [])] };
    }
    // The union judges the findings again: its own cycle-limit and suppression warnings replace the capture's.
    const renamed = (w: WarningOut): WarningOut => ({ ...w, first: w.first.map((l) => ({ ...l, input: rename(l.input) })) });
    warnings.push(run.result.warnings.filter((w) => w.kind !== 'cycle-limit' && w.kind !== 'unmatched-suppression' && w.kind !== 'unmatched-pseudo-lock').map(renamed));
    observations.push(run.result.observations.map(renamed));
    result.capacity.push(...run.result.capacity.map((c) => ({ ...c, input: rename(c.input) })));
    addStats(result.stats, run.result.stats);
    lookups += run.chainLookups;
    hits += run.chainHits;
  }
  result.stats.chainCacheHitRate = lookups ? Math.round((hits / lookups) * 10000) / 10000 : 0;
  const unmatched = unmatchedInEvery(runs);
  if (unmatched) warnings.push([unmatched]);
  result.warnings = mergeWarnings(warnings);
  result.observations = mergeWarnings(observations);
}

/** A pseudo-lock rule unmatched by the union is one that no capture matched (rules act per capture replay). */
function unmatchedInEvery(runs: CaptureRun[]): WarningOut | undefined {
  let left: WarningOut | undefined;
  for (const run of runs) {
    const w = run.result.warnings.find((x) => x.kind === 'unmatched-pseudo-lock');
    if (!w) return undefined;
    const keep = new Set(w.first.map((l) => l.detail));
    left = left ? { ...left, first: left.first.filter((l) => keep.has(l.detail)) } : { ...w, first: [...w.first] };
  }
  if (!left?.first.length) return undefined;
  return { ...left, count: left.first.length };
}

/** Event counters add up; classes and dependencies stay the union's. */
function addStats(a: ReplayStats, b: ReplayStats): void {
  const sum: (keyof ReplayStats)[] = [
    'lines', 'events', 'lockEvents', 'acquires', 'releases', 'workqueueEvents', 'skipped', 'otherEvents', 'continuationLines', 'lostEvents',
    'lostMarkers', 'bufferStarts', 'unheldReleases', 'heldAtEnd', 'nmiEvents', 'chains', 'contexts', 'workItemsExecuted',
  ];
  for (const k of sum) (a[k] as number) += b[k] as number;
  a.maxDepth = Math.max(a.maxDepth, b.maxDepth);
}

/** Warnings of several reports as one list: counts add, first locations in report order. */
function mergeWarnings(lists: WarningOut[][]): WarningOut[] {
  const by = new Map<string, WarningOut>();
  for (const list of lists) {
    for (const w of list) {
      const have = by.get(w.kind);
      if (!have) by.set(w.kind, { ...w, first: [...w.first] });
      else {
        have.count += w.count;
        for (const l of w.first) if (have.first.length < FIRST_LOCATIONS || w.kind === 'graph-cannot-report') have.first.push(l);
      }
    }
  }
  const order = (k: string) => {
    const i = (WARNING_KINDS as readonly string[]).indexOf(k);
    return i < 0 ? WARNING_KINDS.length : i;
  };
  return [...by.values()].sort((a, b) => order(a.kind) - order(b.kind));
}

/**
 * Streams graph files (and in-memory graphs, if any) into one union and
 * judges it (a store reading a graph file as one capture). Input order does
 * not matter: the union is the same.
 */
export async function unionOf(graphPaths: string[], ...captured: (GraphFile | undefined)[]): Promise<GraphReplayOutcome> {
  const u = new GraphUnion();
  for (const g of captured) if (g) foldGraph(u, g, g.captures.map((c) => c.name).join(', '));
  for (const p of graphPaths) {
    const input = await openInput(p);
    u.source = input.name;
    await readGraphInput(input, u);
  }
  return judgeUnion(u, DEFAULT_REPLAY_OPTIONS);
}

/** The union judged by the replay's code, every finding kind, with each dependency's captures. */
function judgeUnion(u: GraphUnion, opts: RunOptions['replay']): GraphReplayOutcome {
  const graph = u.toGraph();
  // Class rules were applied when each capture was replayed (the graph has the resulting names); the
  // workqueue model still matters to the judgement, and the suppressions are applied by graphResult.
  const imp = importGraph(graph, { ...DEFAULT_REPLAY_OPTIONS, wqModel: opts.wqModel });
  fillKinds(graph, imp);
  const result = graphResult(imp, graph, opts.rules);
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

/** `replay`/`export` with graph files among the inputs, several captures, and/or --save-graph. */
export async function replayWithGraphs(opts: RunOptions, meta: CaptureMeta & { oneCapture?: boolean }): Promise<GraphReplayOutcome> {
  return judgeCaptures(await captureSources(opts.inputs, !!meta.oneCapture), opts, meta);
}

export function emptyGraph(): GraphFile {
  return { schema: GRAPH_SCHEMA, captures: [], classes: [], dependencies: [], recursions: [] };
}

/**
 * The `replay` command's entry: one capture without graph files and without
 * --save-graph is exactly `plain` (runReplay); anything else goes through the
 * union of captures.
 */
export async function replayMaybeGraphs(
  opts: RunOptions, g: { saveGraph?: string; capture?: string; kernel?: string; format?: string; oneCapture?: boolean },
  plain: (o: RunOptions) => Promise<ReplayResult>,
): Promise<ReplayResult> {
  const src = await captureSources(opts.inputs, !!g.oneCapture);
  if (opts.replay.kernelGraph && (src.graphs.length || src.captures.length > 1)) {
    throw new InputError('--lockdep', undefined, 'is one boot\'s graph: give one trace capture (add --one-capture if the inputs are pieces of one recording), no graph files');
  }
  // The html report draws each cycle's neighbourhood: it needs the graph.
  if (!src.graphs.length && src.captures.length <= 1 && g.saveGraph === undefined && g.format !== 'html') return plain(opts);
  const out = await judgeCaptures(src, opts, { name: g.capture, kernel: g.kernel });
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
  foldGraph(u, { schema: GRAPH_SCHEMA, captures: [{ name, inputs: [{ name, positions: 'line' }] }], classes: [...classes.values()], dependencies: [...deps.values()], recursions: [] }, name);
  return u.toGraph();
}
