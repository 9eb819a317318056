/**
 * The replay's result as one plain, versioned, deterministic object
 * (`lockreplay/report@2`, documented in docs/report-schema.md): inputs, stats,
 * warnings, capacity, findings. Renderers (text, json, html) only read it.
 */
import type { Replayer } from '../replay/replayer.ts';
import type { DecodeStats } from '../decode/decoder.ts';
import { OBSERVATION_KINDS, WARNING_KINDS, WARNING_TEXT, type Warnings } from '../decode/warnings.ts';
import { compareFindings, type Finding } from '../analysis/findings.ts';
import { judgeCycle, judgeInconsistent, judgeRecursion } from '../analysis/verdicts.ts';
import { chooseCycles } from '../analysis/cycleChoice.ts';
import type { InputSummary } from '../report/inputSummary.ts';
import type { ReportSummary } from './summary.ts';
import type { Selection } from './selection.ts';

export const REPORT_SCHEMA = 'lockreplay/report@2';

export interface WarningOut {
  kind: string;
  count: number;
  text: string;
  first: { input: string; line?: number; byte?: number; detail?: string }[];
}

export interface ReplayStats {
  lines: number;
  events: number;
  lockEvents: number;
  acquires: number;
  releases: number;
  workqueueEvents: number;
  skipped: number;
  otherEvents: number;
  /** Lines continuing an event's text (trace_printk / trace_marker text with an embedded newline). */
  continuationLines: number;
  lostEvents: number;
  lostMarkers: number;
  bufferStarts: number;
  unheldReleases: number;
  heldAtEnd: number;
  nmiEvents: number;
  classes: number;
  dependencies: number;
  chains: number;
  chainCacheHitRate: number;
  contexts: number;
  workItemsExecuted: number;
  maxDepth: number;
}

export interface ReplayResult {
  schema: typeof REPORT_SCHEMA;
  inputs: InputSummary[];
  stats: ReplayStats;
  /** What means the input is damaged or could not be read (`--strict` fails on these). */
  warnings: WarningOut[];
  /** What real captures show normally (kernel behaviour, the window's edges, format limits): counted, never warnings. */
  observations: WarningOut[];
  /** Where the kernel's default lockdep limits would have been exceeded. */
  capacity: { limit: string; value: number; input: string; line?: number; byte?: number }[];
  /** Findings by kind and verdict, top classes (report/summary): over every finding, also when filters show some. */
  summary?: ReportSummary;
  /** Present when triage filters chose the findings shown (report/selection). */
  selection?: Selection;
  findings: Finding[];
  profile?: unknown;
}

export function buildResult(r: Replayer, inputs: InputSummary[], decode: DecodeStats, warnings: Warnings): ReplayResult {
  const findings: Finding[] = [];
  const cycles = chooseCycles(r);
  for (const { cycle, judgement } of cycles.chosen) findings.push(judgeCycle(r, inputs, cycle, judgement));
  if (cycles.limitHits) {
    warnings.add('cycle-limit', -1, 0, `the cycle search through ${cycles.limitHits} closing dependenc${cycles.limitHits === 1 ? 'y' : 'ies'} stopped at its limit`, cycles.limitHits);
  }
  for (const rc of r.recursions) {
    const f = judgeRecursion(r, inputs, rc);
    if (f) findings.push(f);
  }
  for (const u of r.usage.inconsistencies) findings.push(judgeInconsistent(r, inputs, u));
  findings.sort(compareFindings);
  const firstDeadlock = findings.find((f) => f.verdict === 'deadlock');
  if (firstDeadlock) firstDeadlock.lockdepWouldReportFirst = true;

  const where = (input: number, pos: number) => {
    const inp = inputs[input];
    if (!inp) return { input: '(end of capture)' };
    return inp.positions === 'line' ? { input: inp.name, line: pos } : { input: inp.name, byte: pos };
  };
  const warningsOut: WarningOut[] = [];
  const observations: WarningOut[] = [];
  for (const kind of WARNING_KINDS) {
    const count = warnings.count(kind);
    if (!count) continue;
    (OBSERVATION_KINDS.has(kind) ? observations : warningsOut).push({
      kind, count, text: WARNING_TEXT[kind],
      first: (warnings.first.get(kind) ?? []).map((l) => ({ ...where(l.input, l.pos), ...(l.detail !== undefined ? { detail: l.detail } : {}) })),
    });
  }
  const c = r.counters;
  const heldAtEnd = warnings.count('held-at-end');
  const skipped = warnings.count('unparsed-line') + warnings.count('long-line') + warnings.count('other-instance') + c.nmiEvents;
  return {
    schema: REPORT_SCHEMA,
    inputs,
    stats: {
      lines: decode.lines,
      events: c.events,
      lockEvents: c.acquires + c.releases + c.contended + c.acquired,
      acquires: c.acquires,
      releases: c.releases,
      workqueueEvents: c.workqueueEvents,
      skipped,
      otherEvents: decode.otherEvents,
      continuationLines: decode.continuationLines,
      lostEvents: c.lostEvents,
      lostMarkers: c.lostMarkers,
      bufferStarts: r.bufferStarts,
      unheldReleases: c.unheldReleases,
      heldAtEnd,
      nmiEvents: c.nmiEvents,
      classes: r.classes.count,
      dependencies: r.graph.size,
      chains: r.chainCache.distinct,
      chainCacheHitRate: c.chainLookups ? Math.round((c.chainHits / c.chainLookups) * 10000) / 10000 : 0,
      contexts: r.contexts.count,
      workItemsExecuted: r.workqueues.executions,
      maxDepth: r.capacity.maxDepth,
    },
    warnings: warningsOut,
    observations,
    capacity: r.capacity.hits.map((h) => ({ limit: h.limit, value: h.value, ...where(h.input, h.pos) })) as ReplayResult['capacity'],
    findings,
  };
}
