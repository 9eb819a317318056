/**
 * JSON report: the result object (lockreplay/report@2), stable key order,
 * names as data; the findings finished (identity, trust order) and the
 * triage summary over all of them just before them.
 */
import type { ReplayResult } from './result.ts';
import { finishFindings } from '../analysis/trustOrder.ts';
import { summarise } from './summary.ts';

export function renderJson(r: ReplayResult): string {
  const { findings, summary, selection, profile, ...rest } = r;
  const done = finishFindings(findings);
  const out = {
    ...rest,
    summary: summary ?? summarise(done),
    ...(selection ? { selection } : {}),
    findings: done,
    ...(profile !== undefined ? { profile } : {}),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
