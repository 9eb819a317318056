/** The diff as text: one line per change, names escaped as data (report/text safe()). */
import { safe } from '../report/text.ts';
import type { GraphEvidence } from './graphFile.ts';
import type { GraphDiffResult } from './graphDiff.ts';

function where(e: GraphEvidence): string {
  const pos = e.line !== undefined ? `:${e.line}` : `: byte ${e.byte}`;
  return `${safe(e.capture === e.input ? e.capture : `${e.capture}: ${e.input}`)}${pos} ts ${e.ts} cpu ${e.cpu} ${safe(e.comm)}/${e.pid}` +
    (e.held.length ? `, holding ${e.heldOmitted ? `… ${e.heldOmitted} more held, ` : ''}${e.held.map(safe).join(', ')}` : '');
}

export function renderDiffText(d: GraphDiffResult): string {
  const out: string[] = [];
  out.push(`lockreplay diff: old ${d.old.captures.map(safe).join(', ') || '(empty)'} -> new ${d.new.captures.map(safe).join(', ') || '(empty)'}`);
  out.push(
    `  classes +${d.classes.added.length} -${d.classes.removed.length}, dependencies +${d.dependencies.added.length} -${d.dependencies.removed.length}, ` +
      `cycles introduced ${d.cycles.introduced.length}, fixed ${d.cycles.fixed.length}` +
      (d.touching ? `  (only what touches ${d.touching.map(safe).join(', ')})` : ''),
  );
  for (const c of d.cycles.introduced) {
    out.push('', `cycle introduced (${c.verdict}) [${c.id}]: ${c.classes.map(safe).join(' -> ')} -> ${safe(c.classes[0])}`);
    if (c.reason) out.push(`    ${safe(c.reason)}`);
    for (const dep of c.dependencies) out.push(`    ${safe(dep.from)} -> ${safe(dep.to)}  first: ${safe(dep.first.input)}:${dep.first.line ?? dep.first.byte} ${safe(dep.first.comm)}/${dep.first.pid}`);
  }
  for (const c of d.cycles.fixed) out.push('', `cycle fixed (was ${c.verdict}) [${c.id}]: ${c.classes.map(safe).join(' -> ')} -> ${safe(c.classes[0])}`);
  if (d.classes.added.length) out.push('', 'classes added:', ...d.classes.added.map((n) => `  + ${safe(n)}`));
  if (d.classes.removed.length) out.push('', 'classes removed:', ...d.classes.removed.map((n) => `  - ${safe(n)}`));
  if (d.dependencies.added.length) {
    out.push('', 'dependencies added (first seen in new):');
    for (const x of d.dependencies.added) out.push(`  + ${safe(x.from)} -> ${safe(x.to)}  ${x.count}x ${x.kinds.join(',')}  ${where(x.first)}`);
  }
  if (d.dependencies.removed.length) {
    out.push('', 'dependencies removed:');
    for (const x of d.dependencies.removed) out.push(`  - ${safe(x.from)} -> ${safe(x.to)}  (old: ${x.count}x)`);
  }
  return out.join('\n') + '\n';
}
