/**
 * Text report, read like lockdep's own splats (the dependency chain, the
 * "Possible unsafe locking scenario" table) but with, for every dependency,
 * where it was first seen: input and line, time, CPU, pid/comm, context and
 * the locks held at that moment. Names are printed as data: control
 * characters are escaped so a lock name cannot forge report lines.
 */
import type { EvidenceOut, Finding, FindingDependency } from '../analysis/findings.ts';
import type { ReplayResult } from './result.ts';
import { finishFindings } from '../analysis/trustOrder.ts';

/** The limit, and the kernel constant whose "too low" message lockdep prints (lockdep.c, lockdep_internals.h). */
const CAPACITY_TEXT: Record<string, [string, string]> = {
  classes: ['lock classes', 'MAX_LOCKDEP_KEYS'],
  dependencies: ['dependencies', 'MAX_LOCKDEP_ENTRIES'],
  chains: ['lock chains', 'MAX_LOCKDEP_CHAINS'],
  depth: ['held locks', 'MAX_LOCK_DEPTH'],
};

/** Unverified findings printed in full before the rest are listed one per line. */
export const UNVERIFIED_IN_FULL = 20;

const HEADERS: Record<string, string> = {
  'circular-dependency': 'possible circular locking dependency detected',
  'recursive-locking': 'possible recursive locking detected',
  'inconsistent-irq-state': 'inconsistent lock state',
  'irq-safe-unsafe': 'irq-safe -> irq-unsafe lock order detected',
};

/** Escapes control characters and backslashes (names are data). */
export function safe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\\\u2028\u2029]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export function renderText(result: ReplayResult): string {
  const r = { ...result, findings: finishFindings(result.findings) };
  const out: string[] = [];
  const s = r.stats;
  out.push('lockreplay report');
  for (const inp of r.inputs) {
    out.push(`  input: ${safe(inp.name)} (${inp.format}${inp.compression !== 'none' ? `, ${inp.compression}` : ''}${inp.instance !== undefined ? `, instance "${safe(inp.instance)}"` : ''})`);
    if (inp.window) out.push(`    time window ${inp.window.first}-${inp.window.last} s`);
    for (const n of inp.notes ?? []) out.push(`    ${safe(n)}`);
  }
  if (r.inputs.length && r.inputs.every((inp) => inp.format === 'graph')) {
    // Graph files carry dependencies, not events: event counters would all read 0.
    out.push(`  ${s.classes} classes, ${s.dependencies} dependencies, from ${r.inputs.length} graph file(s); no events replayed`);
  } else {
    out.push(
      `  ${s.lines} lines, ${s.events} events (${s.acquires} acquires, ${s.releases} releases, ${s.workqueueEvents} workqueue), ` +
        `${s.classes} classes, ${s.dependencies} dependencies, ${s.chains} chains, ${s.contexts} contexts`,
    );
    out.push(
      `  skipped ${s.skipped}, other events ${s.otherEvents}, lost events ${s.lostEvents} (${s.lostMarkers} markers), ` +
        `buffer starts ${s.bufferStarts}, unheld releases ${s.unheldReleases}, held at end ${s.heldAtEnd}`,
    );
  }
  const counts = new Map<string, number>();
  for (const f of r.findings) counts.set(f.verdict, (counts.get(f.verdict) ?? 0) + 1);
  out.push(
    `  findings: ${r.findings.length}` +
      (r.findings.length ? ` (${[...counts].sort().map(([v, n]) => `${n} ${v}`).join(', ')})` : ''),
  );
  const resting = restingOn(r.findings);
  if (resting) out.push(resting);
  out.push('');
  // Every finding is printed; past UNVERIFIED_IN_FULL unverified ones (a capture with many lost events can
  // have thousands, all resting on stale held state) each gets one line, and JSON keeps their evidence.
  let unverified = 0;
  const brief: string[] = [];
  r.findings.forEach((f, i) => {
    if (f.verdict === 'unverified' && ++unverified > UNVERIFIED_IN_FULL) {
      brief.push(`  #${i + 1} [${f.id}] ${safe(f.title!)}`);
      return;
    }
    out.push(...renderFinding(f, i + 1), '');
  });
  if (brief.length) {
    out.push(`${brief.length} more unverified findings, one line each (their evidence is in --format json):`, ...brief, '');
  }
  if (r.capacity.length) {
    out.push('Kernel lockdep capacity (default config) would have been exceeded:');
    for (const c of r.capacity) {
      const [what, macro] = CAPACITY_TEXT[c.limit] ?? [c.limit, c.limit];
      const cmp = c.limit === 'depth' ? 'reach' : '>';
      out.push(`  ${what} ${cmp} ${c.value} (${macro}) at ${where(c)}: lockdep prints "BUG: ${macro} too low!" and turns itself off`);
    }
    out.push('');
  }
  if (r.warnings.length) {
    out.push('Warnings:');
    for (const w of r.warnings) {
      out.push(`  ${w.kind}: ${w.count} — ${w.text}`);
      for (const l of w.first) out.push(`      at ${where(l)}${l.detail !== undefined ? `: ${safe(l.detail)}` : ''}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Uncertain dependencies named in the summary, the most used first. */
const RESTING_SHOWN = 5;

/**
 * "unverified findings rest on N uncertain dependencies; most: A -> B (k), ...":
 * after lost events, a few stale dependencies usually account for most
 * unverified findings, and they are what to look at (or what a bigger buffer
 * would have recorded cleanly).
 */
function restingOn(findings: Finding[]): string | undefined {
  const uses = new Map<string, number>();
  for (const f of findings) {
    if (f.verdict !== 'unverified') continue;
    for (const d of new Set(f.dependencies.filter((x) => x.uncertainOnly).map((x) => `${x.from} -> ${x.to}`))) uses.set(d, (uses.get(d) ?? 0) + 1);
  }
  if (uses.size === 0) return undefined;
  const top = [...uses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, RESTING_SHOWN);
  return (
    `  unverified findings rest on ${uses.size} dependenc${uses.size === 1 ? 'y' : 'ies'} recorded only with uncertain held state; ` +
    `most used: ${top.map(([d, n]) => `${safe(d)} (${n})`).join(', ')}`
  );
}

function where(l: { input: string; line?: number; byte?: number }): string {
  return l.line !== undefined ? `${safe(l.input)}:${l.line}` : l.byte !== undefined ? `${safe(l.input)} byte ${l.byte}` : safe(l.input);
}

function ev(e: EvidenceOut): string {
  const held = e.held.length ? (e.heldOmitted ? `… ${e.heldOmitted} more held, ` : '') + e.held.map(safe).join(', ') : '(nothing)';
  return (
    `${where(e)} ts ${e.ts} cpu ${e.cpu} ${safe(e.comm)}/${e.pid} [${e.context}]${e.uncertain ? ' (held state uncertain)' : ''}\n` +
    (e.inferred ? `        ${safe(e.inferred)}\n` : '') +
    `        holding: ${held}`
  );
}

function renderFinding(f: Finding, n: number): string[] {
  const out: string[] = [];
  const bar = '======================================================';
  out.push(bar);
  out.push(`#${n} WARNING: ${HEADERS[f.kind] ?? f.kind}`);
  out.push(`   id ${f.id}: ${safe(f.title!)}`);
  out.push(`   verdict: ${f.verdict}${f.reason ? ` — ${safe(f.reason)}` : ''}${f.lockdepWouldReportFirst ? '  [first in trace order: what lockdep itself would have printed]' : ''}`);
  out.push('------------------------------------------------------');
  for (const c of f.caveats ?? []) out.push(`caveat: ${safe(c)}`);
  if (f.kind === 'circular-dependency') out.push(...renderCycle(f));
  else {
    // irq-safe-unsafe names the safe class and the unsafe one (print_bad_irq_dependency()).
    out.push(f.kind === 'irq-safe-unsafe' && f.classes.length > 1
      ? `classes: (${safe(f.classes[0])}) -> (${safe(f.classes[f.classes.length - 1])})`
      : `class: (${safe(f.classes[0])})`);
    for (const e of f.evidence ?? []) out.push(`${e.role}:`, `    ${ev(e.at)}`);
    if (f.kind === 'recursive-locking') out.push(...scenarioAA(f.classes[0]), outcome(f));
  }
  if (f.explanation) out.push('', `explanation: ${safe(f.explanation)}`);
  return out;
}

function renderCycle(f: Finding): string[] {
  const out: string[] = [];
  const deps = f.dependencies;
  // The dependency whose recording closed the cycle: "trying to acquire <to>, already holding <from>".
  const k = f.closingDependency ?? deps.length - 1;
  const closing = deps[k];
  out.push(`${safe(closing.first.comm)}/${closing.first.pid} is trying to acquire lock:`);
  out.push(`    (${safe(closing.to)}) at ${where(closing.first)}`);
  out.push('but task is already holding lock:');
  out.push(`    (${safe(closing.from)})`);
  out.push('which lock already depends on the new lock.', '');
  out.push('the dependency chain, each dependency with where it was first seen:');
  deps.forEach((d, i) => out.push(...renderDep(d, i)));
  // print_circular_lock_scenario(): the chain from the new lock back to the held one.
  const chain = deps.map((_, i) => deps[(k + 1 + i) % deps.length].from);
  if (chain.length > 2) out.push('', 'Chain exists of:', `  ${chain.map(safe).join(' --> ')}`);
  out.push('', ...scenario(closing.from, chain[chain.length - 2] ?? closing.to, closing.to), outcome(f));
  return out;
}

function renderDep(d: FindingDependency, i: number): string[] {
  const out = [`-> #${i} (${safe(d.from)}) -> (${safe(d.to)})  seen ${d.count}x, kinds ${d.kinds.join(' ')}${d.uncertainOnly ? ', only with uncertain held state' : ''}`];
  out.push(`        first: ${ev(d.first)}`);
  if (d.firstClean) out.push(`        first with certain held state: ${ev(d.firstClean)}`);
  return out;
}

/** lockdep's print_circular_lock_scenario(): held lock, its predecessor in the chain, and the new lock. */
function scenario(held: string, parent: string, acquiring: string): string[] {
  const col = (x: string) => x.padEnd(24);
  return [
    ' Possible unsafe locking scenario:', '',
    `       ${col('CPU0')}CPU1`, `       ${col('----')}----`,
    `  lock(${safe(held)});`,
    `  ${col('')}     lock(${safe(parent)});`,
    `  ${col('')}     lock(${safe(held)});`,
    `  lock(${safe(acquiring)});`,
    '',
  ];
}

function scenarioAA(c: string): string[] {
  return [' Possible unsafe locking scenario:', '', '       CPU0', '       ----', `  lock(${safe(c)});`, `  lock(${safe(c)});`, ''];
}

/** lockdep's closing line, only where the verdict backs it: a benign scenario is one that cannot happen. */
function outcome(f: Finding): string {
  switch (f.verdict) {
    case 'deadlock': return ' *** DEADLOCK ***';
    case 'unverified': return ' *** DEADLOCK, if the held state shown is real (unverified, see verdict) ***';
    case 'benign': return ' *** cannot happen (benign, see verdict) ***';
    default: return ` *** ${f.verdict}, see verdict ***`;
  }
}
