/**
 * The order findings are reported in, and the step that finishes them: every
 * finding gets its identity (findingIdentity), then they are ordered by how
 * much they can be trusted, so the real problem is #1 and not #143 of 205:
 *   deadlock, then unverified (resting on the least uncertain state first),
 *   then benign, then suppressed; within each, trace order (compareFindings).
 * The "lockdep would report first" mark stays on the first deadlock in trace
 * order. The order is total and input-driven, so numbering is deterministic.
 */
import { compareFindings, type Finding, type Verdict } from './findings.ts';
import { withIdentity } from './findingIdentity.ts';

const VERDICT_RANK: Record<Verdict, number> = { deadlock: 0, unverified: 1, benign: 2, suppressed: 3 };

export const VERDICT_ORDER: Verdict[] = ['deadlock', 'unverified', 'benign', 'suppressed'];

/**
 * How much uncertain state a finding rests on: its dependencies recorded only
 * while held-lock state was unknown, and its evidence recorded so. 0 for an
 * unverified finding whose doubt is of another kind (no irq flags).
 */
export function uncertainty(f: Finding): number {
  let n = 0;
  for (const d of f.dependencies) if (d.uncertainOnly) n++;
  for (const e of f.evidence ?? []) if (e.at.uncertain) n++;
  return n;
}

export function compareTrust(a: Finding, b: Finding): number {
  return (VERDICT_RANK[a.verdict] ?? 9) - (VERDICT_RANK[b.verdict] ?? 9) ||
    (a.verdict === 'unverified' ? uncertainty(a) - uncertainty(b) : 0) ||
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
