/**
 * Triage options shared by `replay` and `merge`: which findings the report
 * shows (report/selection) and how fully. A view only: the exit code is the
 * whole result's (--fail-on and --strict decide it, not these).
 */
import { type Command, InvalidArgumentError } from 'commander';
import { FINDING_KINDS, VERDICTS } from '../analysis/findings.ts';
import { compilePattern } from '../analysis/rules.ts';
import type { FindingFilters } from '../report/selection.ts';

export interface TriageOptions {
  class: string[];
  kind: string[];
  verdict: string[];
  finding: string[];
  full?: boolean;
}

/** Comma-separated and repeatable values, each one of `allowed`. */
function listOf(allowed: readonly string[]) {
  return (v: string, acc: string[]): string[] => {
    const out = [...acc];
    for (const x of v.split(',').map((s) => s.trim())) {
      if (!allowed.includes(x)) throw new InvalidArgumentError(`'${x}' is not one of: ${allowed.join(', ')}`);
      out.push(x);
    }
    return out;
  };
}

/** --class patterns are checked before the replay starts. */
function classPattern(v: string, acc: string[]): string[] {
  compilePattern(v, (detail) => { throw new InvalidArgumentError(detail); });
  return [...acc, v];
}

/** --finding's shape is checked before the replay starts; whether the report has it, after. */
function findingSelector(v: string, acc: string[]): string[] {
  if (!/^(#?\d+|[0-9a-f]{4,12})$/i.test(v.trim())) throw new InvalidArgumentError('expected a finding number (12 or #12) or ID (hex digits)');
  return [...acc, v.trim()];
}

export function addTriageOptions(cmd: Command): Command {
  return cmd
    .option('--class <pattern>', 'only findings through a class matching (name, glob or /regex/, as diff --touching; repeatable)', classPattern, [] as string[])
    .option('--kind <kinds>', `only these finding kinds (comma-separated: ${FINDING_KINDS.join(', ')})`, listOf(FINDING_KINDS), [] as string[])
    .option('--verdict <verdicts>', `only these verdicts (comma-separated: ${VERDICTS.join(', ')})`, listOf(VERDICTS), [] as string[])
    .option('--finding <n|id>', 'print this finding in full: its number in the report (12 or #12) or its ID (or 4+ leading hex digits); repeatable', findingSelector, [] as string[])
    .option('--full', 'print every finding in full (default: deadlocks in full, the others one or two lines each)');
}

export function filtersOf(o: TriageOptions): FindingFilters {
  return { classes: o.class, kinds: o.kind, verdicts: o.verdict, findings: o.finding };
}
