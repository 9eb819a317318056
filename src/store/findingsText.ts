/**
 * The store's findings as text: the list (`findings`), one finding with all
 * its evidence and where it was seen (`finding ID`). Names are data: control
 * characters are escaped (report/text safe()).
 */
import type { EvidenceOut, Finding } from '../analysis/findings.ts';
import type { FindingDetail, StoredFinding } from './findingQueries.ts';
import { safe } from '../report/text.ts';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function kernelLine(k: StoredFinding['kernels'][number]): string {
  const cross = k.crossCapture ? `; across captures: ${k.crossCapture.verdict} (${k.crossCapture.captures.map(safe).join(', ')})` : '';
  const own = k.captures ? `${plural(k.captures, 'capture', 'captures')}, first ${k.firstSeen}, last ${k.lastSeen}` : 'in no capture by itself';
  return `${safe(k.kernel)}: ${k.verdict}, ${own}${cross}`;
}

export function renderFindingList(findings: StoredFinding[], store: string): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.verdict, (counts.get(f.verdict) ?? 0) + 1);
  const summary = ['deadlock', 'unverified', 'benign', 'suppressed'].filter((v) => counts.get(v)).map((v) => `${counts.get(v)} ${v}`).join(', ');
  const out = [`lockreplay findings: ${plural(findings.length, 'finding', 'findings')}${summary ? ` (${summary})` : ''} in ${safe(store)}`];
  for (const f of findings) {
    out.push(`${f.id}  ${f.verdict.padEnd(10)} ${safe(f.title)}`);
    for (const k of f.kernels) out.push(`    ${kernelLine(k)}`);
  }
  return out.join('\n') + '\n';
}

function where(e: EvidenceOut): string {
  return e.line !== undefined ? `${safe(e.input)}:${e.line}` : e.byte !== undefined ? `${safe(e.input)} byte ${e.byte}` : safe(e.input);
}

function evidenceLines(e: EvidenceOut, indent: string): string[] {
  const held = e.held.length ? (e.heldOmitted ? `… ${e.heldOmitted} more held, ` : '') + e.held.map(safe).join(', ') : '(nothing)';
  return [
    `${indent}${where(e)} ts ${e.ts} cpu ${e.cpu} ${safe(e.comm)}/${e.pid} [${e.context}]${e.uncertain ? ' (held state uncertain)' : ''}`,
    `${indent}  holding: ${held}`,
  ];
}

/** One reported finding's evidence: each dependency of a cycle with its first recording, or the two events of the others. */
export function findingEvidence(f: Finding, indent: string): string[] {
  const out: string[] = [];
  if (f.reason) out.push(`${indent}reason: ${safe(f.reason)}`);
  for (const c of f.caveats ?? []) out.push(`${indent}caveat: ${safe(c)}`);
  for (const d of f.dependencies) {
    out.push(`${indent}${safe(d.from)} -> ${safe(d.to)}  seen ${d.count}x, kinds ${d.kinds.join(' ')}${d.captures ? `, in ${d.captures.map(safe).join(', ')}` : ''}`);
    out.push(...evidenceLines(d.first, `${indent}  `));
    if (d.firstClean) out.push(`${indent}  first with certain held state:`, ...evidenceLines(d.firstClean, `${indent}  `));
  }
  for (const e of f.evidence ?? []) out.push(`${indent}${safe(e.role)}:`, ...evidenceLines(e.at, `${indent}  `));
  return out;
}

export function renderFindingDetail(f: FindingDetail): string {
  const out = [`${f.id}  ${f.verdict}  ${safe(f.title)}`, `  kind: ${f.kind}`, `  classes: ${f.classes.map(safe).join(', ')}`];
  if (f.aliases.length) out.push(`  also known as: ${f.aliases.join(', ')}`);
  out.push('  kernel versions:', ...f.kernels.map((k) => `    ${kernelLine(k)}`));
  if (f.occurrences.length) out.push('', `seen in ${plural(f.occurrences.length, 'capture', 'captures')}:`);
  for (const o of f.occurrences) {
    const c = o.capture;
    out.push(`  capture ${c.id} ${safe(c.name)} (kernel ${safe(c.kernel)}${c.machine ? `, machine ${safe(c.machine)}` : ''}, ${c.format}, ingested ${c.ingestedAt}): ` +
      `${o.verdict}${o.occurrences > 1 ? `, reported ${o.occurrences}x` : ''}`);
    if (!o.detail) out.push('    (evidence kept for the first captures of each kernel version only)');
    for (const d of o.detail ?? []) out.push(...findingEvidence(d, '    '));
  }
  for (const x of f.crossCapture) {
    out.push('', `across captures of ${safe(x.kernel)}: ${x.verdict} (found when ${safe(x.foundBy)} was ingested; from ${x.captures.map((c) => safe(c.name)).join(', ')})`);
    out.push(...findingEvidence(x.finding, '    '));
  }
  return out.join('\n') + '\n';
}
