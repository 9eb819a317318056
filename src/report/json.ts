/** JSON report: the result object as is (lockreplay/report@2), stable key order, names as data. */
import type { ReplayResult } from './result.ts';
import { finishFindings } from '../analysis/trustOrder.ts';

export function renderJson(r: ReplayResult): string {
  return JSON.stringify({ ...r, findings: finishFindings(r.findings) }, null, 2) + '\n';
}
