/**
 * The analysis passes that run on the finished replay after the per-cycle,
 * per-recursion and per-usage judgements of report/result.buildResult():
 * irq-safe -> irq-unsafe paths (check_irq_usage()) and the user's rules
 * (--rules: suppressions). Keeps the finding order and the "lockdep would
 * report first" mark consistent afterwards.
 */
import type { Replayer } from '../replay/replayer.ts';
import type { ReplayResult } from '../report/result.ts';
import { compareFindings } from './findings.ts';
import { findIrqSafeUnsafe } from './irqSafeUnsafe.ts';
import { applySuppressions } from './suppressions.ts';
import type { Rules } from './rules.ts';

export function completeAnalysis(result: ReplayResult, r: Replayer, rules: Rules | undefined): ReplayResult {
  const findings = result.findings;
  findings.push(...findIrqSafeUnsafe(r, result.inputs));
  if (rules) result.warnings.push(...applySuppressions(findings, rules));
  findings.sort(compareFindings);
  for (const f of findings) delete f.lockdepWouldReportFirst;
  const first = findings.find((f) => f.verdict === 'deadlock');
  if (first) first.lockdepWouldReportFirst = true;
  return result;
}
