/**
 * The analysis passes that run on the finished replay after the per-cycle,
 * per-recursion and per-usage judgements of report/result.buildResult():
 * irq-safe -> irq-unsafe paths (check_irq_usage()) and the user's rules
 * (--rules: suppressions). Then finishes the findings (analysis/trustOrder):
 * identity, trust order, the "lockdep would report first" mark.
 */
import type { Replayer } from '../replay/replayer.ts';
import type { ReplayResult } from '../report/result.ts';
import { finishFindings } from './trustOrder.ts';
import { findIrqSafeUnsafe } from './irqSafeUnsafe.ts';
import { applySuppressions, unmatchedPseudoLocks } from './suppressions.ts';
import { addSyzbotTitles } from './syzbotTitle.ts';
import type { Rules } from './rules.ts';

export function completeAnalysis(result: ReplayResult, r: Replayer, rules: Rules | undefined): ReplayResult {
  const findings = result.findings;
  findings.push(...findIrqSafeUnsafe(r, result.inputs));
  // Pseudo-lock rules act while a trace is replayed: a graph's judge (no r.pseudo) cannot tell which matched.
  if (rules) result.warnings.push(...applySuppressions(findings, rules), ...(r.pseudo ? unmatchedPseudoLocks(rules, r.pseudo.used) : []));
  addSyzbotTitles(findings);
  result.findings = finishFindings(findings);
  return result;
}
