/** JSON report: the result object as is (lockreplay/report@1), stable key order, names as data. */
import type { ReplayResult } from './result.ts';

export function renderJson(r: ReplayResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}
