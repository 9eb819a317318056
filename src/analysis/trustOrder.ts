/**
 * The order findings are reported in, and the step that finishes them: every
 * finding gets its identity (findingIdentity), then they are ordered by how
 * much they can be trusted, so the real problem is #1 and not #143 of 205:
 *   deadlock, then unverified (resting on the least uncertain state first),
 *   then benign, then suppressed; within each, trace order (compareFindings).
 * The "lockdep would report first" mark stays on the first deadlock in trace
 * order. The order is total and input-driven, so numbering is deterministic.
 */
import { compareFindings, VERDICTS, type Finding, type Verdict } from './findings.ts';
import { withIdentity } from './findingIdentity.ts';

const VERDICT_RANK = Object.fromEntries(VERDICTS.map((v, i) => [v, i])) as Record<Verdict, number>;

/**
 * How much uncertain state a finding rests on: [dependencies and evidence
 * that are no proof (recorded while held-lock state was unknown, or without
 * irq flags), of which recorded with unknown held state]. Both 0 for a
 * finding whose only doubt is elsewhere.
 */
export function uncertainty(f: Finding): [number, number] {
  let doubtful = 0, held = 0;
  for (const d of f.dependencies) {
    if (d.uncertainOnly) held++;
    if (d.uncertainOnly || (d.firstClean ?? d.first).noIrqFlags) doubtful++;
  }
  for (const e of f.evidence ?? []) {
    if (e.at.uncertain) held++;
    if (e.at.uncertain || e.at.noIrqFlags) doubtful++;
  }
  return [doubtful, held];
}

function compareUncertainty(a: Finding, b: Finding): number {
  const [x, y] = [uncertainty(a), uncertainty(b)];
  return x[0] - y[0] || x[1] - y[1] || a.classes.length - b.classes.length;
}

export function compareTrust(a: Finding, b: Finding): number {
  return (VERDICT_RANK[a.verdict] ?? 9) - (VERDICT_RANK[b.verdict] ?? 9) ||
    (a.verdict === 'unverified' ? compareUncertainty(a, b) : 0) ||
    compareFindings(a, b);
}

/** Identity on every finding, trust order, the first-deadlock mark: idempotent, returns a new array. */
export function finishFindings(findings: readonly Finding[]): Finding[] {
  const out = findings.map((f) => {
    const g = withIdentity(f);
    delete g.lockdepWouldReportFirst;
    return g;
  });
  let first: Finding | undefined;
  for (const f of out) if (f.verdict === 'deadlock' && (!first || compareFindings(f, first) < 0)) first = f;
  if (first) first.lockdepWouldReportFirst = true;
  return out.sort(compareTrust);
}
