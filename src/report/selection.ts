/**
 * Triage filters (replay/merge --class, --kind, --verdict, --finding): which
 * findings a report shows. A view only: findings keep the number they have in
 * the whole report (trust order, analysis/trustOrder), the summary still
 * counts them all, and the exit code is the whole result's.
 */
import { compilePattern, type Pattern } from '../analysis/rules.ts';
import { finishFindings } from '../analysis/trustOrder.ts';
import { ID_LENGTH, normaliseClassName, resolveFindingId } from '../analysis/findingIdentity.ts';
import type { Finding } from '../analysis/findings.ts';
import { InputError } from '../model/inputError.ts';
import type { ReplayResult } from './result.ts';
import { summarise } from './summary.ts';
import { attachGraph, graphOf } from '../graph/resultGraph.ts';


export interface FindingFilters {
  /** Class names, globs or /regex/ (like diff --touching): a finding through any matching class. */
  classes?: string[];
  kinds?: string[];
  verdicts?: string[];
  /** Finding numbers (`12`, `#12`) or IDs (or an unambiguous ID prefix of 4+ hex digits). */
  findings?: string[];
}

export interface Selection {
  /** The filters as given. */
  class?: string[];
  kind?: string[];
  verdict?: string[];
  finding?: string[];
  /** Findings in the whole report. */
  of: number;
  /** Each shown finding's number in the whole report (1-based), parallel to `findings`. */
  numbers: number[];
}

export function hasFilters(f: FindingFilters): boolean {
  return !!(f.classes?.length || f.kinds?.length || f.verdicts?.length || f.findings?.length);
}

/** The numbers (0-based indices) a --finding selector names, or an InputError. */
function resolveSelector(s: string, findings: Finding[]): number[] {
  const t = s.trim();
  const num = /^#?(\d+)$/.exec(t);
  if (num && (t.startsWith('#') || t.length < ID_LENGTH)) {
    const n = Number(num[1]);
    if (n < 1 || n > findings.length) {
      throw new InputError('--finding', undefined, `${t}: no such finding (the report has ${findings.length})`);
    }
    return [n - 1];
  }
  if (/^[0-9a-f]{4,}$/i.test(t) && t.length <= ID_LENGTH) {
    const want = t.length === ID_LENGTH ? resolveFindingId(t) : t.toLowerCase();
    const hits: number[] = [];
    findings.forEach((f, i) => { if (f.id!.startsWith(want)) hits.push(i); });
    const ids = [...new Set(hits.map((i) => findings[i].id))];
    if (ids.length > 1) {
      throw new InputError('--finding', undefined, `${t}: ambiguous ID prefix (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})`);
    }
    if (!hits.length) throw new InputError('--finding', undefined, `${t}: no finding with this ID in the report`);
    return hits;
  }
  throw new InputError('--finding', undefined, `${t}: expected a finding number (12 or #12) or ID (${ID_LENGTH} hex digits, or 4+ as a prefix)`);
}

function classTest(patterns: string[]): (f: Finding) => boolean {
  const pats: Pattern[] = patterns.map((p) => compilePattern(p, (detail) => { throw new InputError('--class', undefined, `${p}: ${detail}`); }));
  const test = (name: string) => pats.some((p) => p.test(name) || p.test(normaliseClassName(name)));
  return (f) => f.classes.some(test);
}

/** The result with only the findings the filters select, and `selection` saying which (numbers in the whole report). */
export function selectFindings(r: ReplayResult, filters: FindingFilters): ReplayResult {
  const all = finishFindings(r.findings);
  if (!hasFilters(filters)) return withGraph(r, { ...r, findings: all });
  const byClass = filters.classes?.length ? classTest(filters.classes) : () => true;
  let keep = all.map((_, i) => i);
  if (filters.findings?.length) {
    const picked = new Set<number>();
    for (const s of filters.findings) for (const i of resolveSelector(s, all)) picked.add(i);
    keep = [...picked].sort((a, b) => a - b);
  }
  keep = keep.filter((i) => {
    const f = all[i];
    return (!filters.kinds?.length || filters.kinds.includes(f.kind)) &&
      (!filters.verdicts?.length || filters.verdicts.includes(f.verdict)) && byClass(f);
  });
  const selection: Selection = {
    ...(filters.classes?.length ? { class: filters.classes } : {}),
    ...(filters.kinds?.length ? { kind: filters.kinds } : {}),
    ...(filters.verdicts?.length ? { verdict: filters.verdicts } : {}),
    ...(filters.findings?.length ? { finding: filters.findings } : {}),
    of: all.length,
    numbers: keep.map((i) => i + 1),
  };
  return withGraph(r, { ...r, findings: keep.map((i) => all[i]), selection, summary: r.summary ?? summarise(all) });
}

/** The view keeps the graph the result was judged from (the HTML report draws neighbourhoods from it). */
function withGraph(from: ReplayResult, to: ReplayResult): ReplayResult {
  const g = graphOf(from);
  if (g) attachGraph(to, g);
  return to;
}
