/**
 * `replay --stream text|jsonl`: each finding printed the moment the replay finds it (analysis/
 * liveFindings.ts), then, at the end of the input or on SIGINT/SIGTERM, how the final judgement differs
 * and the final report.
 *  - text: the finding's splat under a "live finding" line; at the end, the revisions and the report
 *    (--format, to -o or stdout).
 *  - jsonl: one JSON object per line: {"type":"finding","id",...} as found (the finding's ID); at the end
 *    {"type":"revised"|"withdrawn"|"finding","atEnd":true,...} and one {"type":"report","report":{...}}.
 */
import { LiveFindings, type Reconciled } from '../analysis/liveFindings.ts';
import type { Finding } from '../analysis/findings.ts';
import type { Rules } from '../analysis/rules.ts';
import type { ReplayResult } from '../report/result.ts';
import { renderFinding, safe } from '../report/text.ts';

export type StreamFormat = 'text' | 'jsonl';

export function liveStream(format: StreamFormat, rules: Rules | undefined, write = (s: string) => void process.stdout.write(s)): LiveFindings {
  let n = 0;
  return new LiveFindings((f) => {
    n++;
    if (format === 'jsonl') write(JSON.stringify({ type: 'finding', id: f.id, finding: f }) + '\n');
    else write([`live finding ${n} (${f.kind}, ${f.verdict}; judged with what the capture showed so far)`, ...renderFinding(f, n), '', ''].join('\n'));
  }, rules);
}

/** What the end changed, in the stream's format (before the final report). */
export function streamEnd(format: StreamFormat, live: LiveFindings, result: ReplayResult, write = (s: string) => void process.stdout.write(s)): void {
  const rec = live.reconcile(result.findings);
  if (format === 'jsonl') {
    for (const { finding, was } of rec.revised) {
      const wasId = was.id !== finding.id ? { wasId: was.id } : {};
      write(JSON.stringify({ type: 'revised', id: finding.id, was: was.verdict, ...wasId, finding }) + '\n');
    }
    for (const f of rec.withdrawn) write(JSON.stringify({ type: 'withdrawn', id: f.id, finding: f }) + '\n');
    for (const f of rec.added) write(JSON.stringify({ type: 'finding', id: f.id, atEnd: true, finding: f }) + '\n');
    write(JSON.stringify({ type: 'report', report: result }) + '\n');
    return;
  }
  const lines = revisionText(rec);
  if (lines.length) write(lines.join('\n') + '\n\n');
}

function revisionText(rec: Reconciled): string[] {
  const out: string[] = [];
  const name = (f: Finding) => `${f.kind} ${f.classes.map(safe).join(' -> ')}`;
  if (rec.revised.length || rec.withdrawn.length || rec.added.length) out.push('At the end of the input, judged with the whole capture:');
  for (const { finding, was } of rec.revised) out.push(`  revised: ${name(was)} (${was.verdict}) is now ${name(finding)} (${finding.verdict}${finding.reason ? `: ${safe(finding.reason)}` : ''})`);
  for (const f of rec.withdrawn) out.push(`  withdrawn: ${name(f)} (${f.verdict}): the whole capture shows it cannot happen`);
  for (const f of rec.added) out.push(`  found at the end: ${name(f)} (${f.verdict})`);
  return out;
}
