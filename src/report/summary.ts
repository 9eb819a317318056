/**
 * The triage summary at the top of a report: findings by kind and verdict,
 * and the classes most findings go through (after lost events a few stale
 * classes usually account for most of them). Always over every finding of the
 * result, also when filters show only some.
 */
import { FINDING_KINDS, VERDICTS, type Finding, type Verdict } from '../analysis/findings.ts';

/** Classes listed in the summary. */
export const TOP_CLASSES = 5;

export interface ReportSummary {
  /** kind -> verdict -> count; only kinds and verdicts that occur. */
  byKind: Record<string, Partial<Record<Verdict, number>>>;
  /** The classes in the most findings, most first (ties by name). */
  topClasses: { class: string; findings: number; deadlock: number }[];
  /**
   * Dependencies recorded only with uncertain held state that unverified findings rest on: how many, and the
   * most used (after lost events a few stale ones usually account for most unverified findings).
   */
  uncertainDependencies?: { count: number; mostUsed: { from: string; to: string; findings: number }[] };
}

/** Uncertain dependencies named in the summary. */
export const RESTING_SHOWN = 5;

export function summarise(findings: readonly Finding[]): ReportSummary {
  const byKind: ReportSummary['byKind'] = {};
  const perClass = new Map<string, { findings: number; deadlock: number }>();
  for (const kind of FINDING_KINDS) {
    for (const v of VERDICTS) {
      const n = findings.filter((f) => f.kind === kind && f.verdict === v).length;
      if (n) (byKind[kind] ??= {})[v] = n;
    }
  }
  for (const f of findings) {
    if (!FINDING_KINDS.includes(f.kind)) ((byKind[f.kind] ??= {})[f.verdict] = (byKind[f.kind][f.verdict] ?? 0) + 1);
    for (const c of new Set(f.classes)) {
      const e = perClass.get(c) ?? { findings: 0, deadlock: 0 };
      e.findings++;
      if (f.verdict === 'deadlock') e.deadlock++;
      perClass.set(c, e);
    }
  }
  const topClasses = [...perClass]
    .sort((a, b) => b[1].findings - a[1].findings || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, TOP_CLASSES)
    .map(([c, e]) => ({ class: c, ...e }));
  const out: ReportSummary = { byKind, topClasses };
  const resting = restingOn(findings);
  if (resting) out.uncertainDependencies = resting;
  return out;
}

function restingOn(findings: readonly Finding[]): ReportSummary['uncertainDependencies'] {
  const uses = new Map<string, { from: string; to: string; findings: number }>();
  for (const f of findings) {
    if (f.verdict !== 'unverified') continue;
    const seen = new Set<string>();
    for (const d of f.dependencies) {
      const key = JSON.stringify([d.from, d.to]);
      if (!d.uncertainOnly || seen.has(key)) continue;
      seen.add(key);
      const e = uses.get(key) ?? { from: d.from, to: d.to, findings: 0 };
      e.findings++;
      uses.set(key, e);
    }
  }
  if (uses.size === 0) return undefined;
  const mostUsed = [...uses].sort((a, b) => b[1].findings - a[1].findings || (a[0] < b[0] ? -1 : 1)).slice(0, RESTING_SHOWN).map(([, e]) => e);
  return { count: uses.size, mostUsed };
}
