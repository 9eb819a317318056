/**
 * One capture as the store writes it, built from what a replay produces (its
 * graph file and its report) whether the capture came as a trace or as a
 * graph file: classes grouped under their normalised names, dependencies
 * grouped by normalised ends (each raw dependency kept for the evidence),
 * findings grouped by their stable ID (a finding seen twice in one capture is
 * one finding with two occurrences).
 */
import type { GraphClass, GraphDependency, GraphFile } from '../graph/graphFile.ts';
import { compareNames } from '../graph/graphFile.ts';
import type { Finding, FindingKind } from '../analysis/findings.ts';
import type { ReplayResult } from '../report/result.ts';
import { captureHash } from './captureHash.ts';
import { findingIdent, findingTitle, normaliseClass } from './findingKey.ts';
import { VERDICT_RANK } from './schema.ts';

export interface CaptureMetaIn {
  name: string;
  kernel: string;
  machine?: string;
  buildId?: string;
  testId?: string;
}

export interface ClassRecord {
  name: string;
  raw: string[];
  usageBits: number;
  written: boolean;
  read: boolean;
}

export interface DependencyRecord {
  from: string;
  to: string;
  observations: number;
  clean: number;
  /** Of the observations, those refuted after the fact (graph file `refuted`). */
  refuted: number;
  combos: number;
  raw: GraphDependency[];
}

export interface FindingRecord {
  ident: string;
  kind: FindingKind;
  title: string;
  classes: string[];
  /** The strongest verdict among its occurrences in this capture. */
  verdict: string;
  /** A cycle's dependencies in cycle order (normalised names), as its first occurrence gives them. */
  cycle?: [string, string][];
  occurrences: Finding[];
}

export interface CaptureRecord extends CaptureMetaIn {
  hash: string;
  /** Input formats, comma-separated in input order without repeats (e.g. "ftrace", "graph"). */
  format: string;
  inputs: { name: string; format: string; bytes: number }[];
  window?: { first: string; last: string };
  /** Replay figures; absent for a graph file (it does not carry them). */
  stats?: { events: number; lockEvents: number; lostEvents: number; lostMarkers: number; bufferStarts: number };
  warnings: { kind: string; count: number }[];
  classes: ClassRecord[];
  dependencies: DependencyRecord[];
  findings: FindingRecord[];
}

export function captureRecord(graph: GraphFile, result: ReplayResult, meta: CaptureMetaIn, fromGraphFile: boolean): CaptureRecord {
  const windows = result.inputs.map((i) => i.window).filter((w) => w !== undefined);
  const rec: CaptureRecord = {
    ...meta,
    hash: captureHash(graph),
    format: [...new Set(result.inputs.map((i) => i.format))].join(','),
    inputs: result.inputs.map((i) => ({ name: i.name, format: i.format, bytes: i.bytes })),
    warnings: result.warnings.map((w) => ({ kind: w.kind, count: w.count })),
    classes: groupClasses(graph.classes),
    dependencies: groupDependencies(graph.dependencies),
    findings: groupFindings(result.findings),
  };
  if (windows.length) {
    rec.window = {
      first: windows.map((w) => w.first).reduce((a, b) => (Number(b) < Number(a) ? b : a)),
      last: windows.map((w) => w.last).reduce((a, b) => (Number(b) > Number(a) ? b : a)),
    };
  }
  if (!fromGraphFile) {
    const s = result.stats;
    rec.stats = { events: s.events, lockEvents: s.lockEvents, lostEvents: s.lostEvents, lostMarkers: s.lostMarkers, bufferStarts: s.bufferStarts };
  }
  return rec;
}

function groupClasses(classes: GraphClass[]): ClassRecord[] {
  const by = new Map<string, ClassRecord>();
  for (const c of classes) {
    const name = normaliseClass(c.name);
    const have = by.get(name);
    if (!have) by.set(name, { name, raw: [c.name], usageBits: c.usageBits, written: c.written, read: c.read });
    else {
      have.raw.push(c.name);
      have.usageBits |= c.usageBits;
      have.written ||= c.written;
      have.read ||= c.read;
    }
  }
  return [...by.values()].sort((a, b) => compareNames(a.name, b.name));
}

function groupDependencies(deps: GraphDependency[]): DependencyRecord[] {
  const by = new Map<string, DependencyRecord>();
  for (const d of deps) {
    const from = normaliseClass(d.from), to = normaliseClass(d.to);
    const key = JSON.stringify([from, to]);
    const have = by.get(key);
    if (!have) by.set(key, { from, to, observations: d.count, clean: d.clean, refuted: d.refuted ?? 0, combos: d.combos, raw: [d] });
    else {
      have.observations += d.count;
      have.clean += d.clean;
      have.refuted += d.refuted ?? 0;
      have.combos |= d.combos;
      have.raw.push(d);
    }
  }
  // Key order: writers upsert rows in one order, so two of them never wait on each other crosswise.
  return [...by.values()].sort((a, b) => compareNames(a.from, b.from) || compareNames(a.to, b.to));
}

function groupFindings(findings: Finding[]): FindingRecord[] {
  const by = new Map<string, FindingRecord>();
  for (const f of findings) {
    const ident = findingIdent(f.kind, f.classes, f.usage);
    const have = by.get(ident);
    if (!have) {
      const rec: FindingRecord = { ident, kind: f.kind, title: findingTitle(f), classes: f.classes.map(normaliseClass), verdict: f.verdict, occurrences: [f] };
      if (f.kind === 'circular-dependency') rec.cycle = f.dependencies.map((d) => [normaliseClass(d.from), normaliseClass(d.to)]);
      by.set(ident, rec);
    } else {
      have.occurrences.push(f);
      if (VERDICT_RANK[f.verdict] > VERDICT_RANK[have.verdict]) have.verdict = f.verdict;
    }
  }
  return [...by.values()].sort((a, b) => compareNames(a.ident, b.ident));
}
