/**
 * `suppress` rules: a finding whose kind and classes match a rule gets verdict
 * `suppressed` and the rule's reason. A rule matches when every class of the
 * finding is matched by one of its patterns and every pattern matches one of
 * the finding's classes (names compared with and without lockdep's #N suffix).
 * Rules that matched nothing are returned as a report warning, so stale
 * suppressions are noticed; so are pseudo-lock rules that mapped no event.
 */
import type { Finding } from './findings.ts';
import type { Pattern, PseudoLockRule, Rules, SuppressRule } from './rules.ts';
import type { WarningOut } from '../report/result.ts';

const bare = (n: string) => n.replace(/#\d+(?=\/\d+$|$)/, '');

function matches(p: Pattern, cls: string): boolean {
  return p.test(cls) || p.test(bare(cls));
}

function ruleMatches(rule: SuppressRule, f: Finding): boolean {
  if (rule.kind && rule.kind !== f.kind) return false;
  return f.classes.every((c) => rule.classes.some((p) => matches(p, c))) && rule.classes.every((p) => f.classes.some((c) => matches(p, c)));
}

export function applySuppressions(findings: Finding[], rules: Rules): WarningOut[] {
  const used = new Set<SuppressRule>();
  for (const f of findings) {
    const rule = rules.suppress.find((r) => ruleMatches(r, f));
    if (!rule) continue;
    used.add(rule);
    const before = f.verdict;
    f.verdict = 'suppressed';
    f.reason = `${rule.reason} (suppressed by ${rules.file} ${rule.where}; verdict would have been ${before}${f.reason ? `: ${f.reason}` : ''})`;
  }
  const unused = rules.suppress.filter((r) => !used.has(r));
  if (!unused.length) return [];
  return [{
    kind: 'unmatched-suppression',
    count: unused.length,
    text: 'suppress rules that matched no finding (stale, or the problem is gone)',
    first: unused.map((r) => ({
      input: rules.file,
      detail: `${r.where}: ${r.kind ?? 'any kind'} [${r.classes.map((p) => p.text).join(', ')}]`,
    })),
  }];
}

/** pseudoLocks rules that mapped no event (`used`: the rules the replay applied at least once). */
export function unmatchedPseudoLocks(rules: Rules, used: ReadonlySet<PseudoLockRule>): WarningOut[] {
  const unused = rules.pseudoLocks.filter((r) => !used.has(r));
  if (!unused.length) return [];
  return [{
    kind: 'unmatched-pseudo-lock',
    count: unused.length,
    text: 'pseudoLocks rules that mapped no event (the event is not in the capture, or its text never matched)',
    first: unused.map((r) => ({
      input: rules.file,
      detail: `${r.where}: ${r.event}${r.match ? ` ${r.match}` : ''} -> ${r.action} ${r.lock}`,
    })),
  }];
}
