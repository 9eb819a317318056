/**
 * Text report, read like lockdep's own splats (the dependency chain, the
 * "Possible unsafe locking scenario" table) but with, for every dependency,
 * where it was first seen: input and line, time, CPU, pid/comm, context and
 * the locks held at that moment. Names are printed as data: control
 * characters are escaped so a lock name cannot forge report lines.
 */
import { VERDICTS, type EvidenceOut, type Finding, type FindingDependency } from '../analysis/findings.ts';
import type { ReplayResult } from './result.ts';
import { finishFindings } from '../analysis/trustOrder.ts';
import { summarise, type ReportSummary } from './summary.ts';
import type { Selection } from './selection.ts';

/** The limit, and the kernel constant whose "too low" message lockdep prints (lockdep.c, lockdep_internals.h). */
const CAPACITY_TEXT: Record<string, [string, string]> = {
  classes: ['lock classes', 'MAX_LOCKDEP_KEYS'],
  dependencies: ['dependencies', 'MAX_LOCKDEP_ENTRIES'],
  chains: ['lock chains', 'MAX_LOCKDEP_CHAINS'],
  depth: ['held locks', 'MAX_LOCK_DEPTH'],
};

/** How the text report prints findings: deadlocks in full and the rest compactly (default), or all in full. */
export interface TextOptions {
  full?: boolean;
}

/** Longest reason printed on a compact entry's second line. */
const COMPACT_REASON = 160;

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

export function renderText(result: ReplayResult, opts: TextOptions = {}): string {
  const r = { ...result, findings: finishFindings(result.findings) };
  const numbers = r.selection?.numbers ?? r.findings.map((_, i) => i + 1);
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
  const summary = r.summary ?? summarise(r.findings);
  const total = r.selection?.of ?? r.findings.length;
  const counts = new Map<string, number>();
  for (const byV of Object.values(summary.byKind)) for (const [v, n] of Object.entries(byV)) counts.set(v, (counts.get(v) ?? 0) + n!);
  out.push(
    `  findings: ${total}` +
      (total ? ` (${VERDICTS.filter((v) => counts.has(v)).map((v) => `${counts.get(v)} ${v}`).join(', ')})` : ''),
  );
  if (total) out.push(...summaryTable(summary));
  const resting = restingOn(summary);
  if (resting) out.push(resting);
  if (r.selection) out.push(`  shown: ${r.findings.length} of ${total} (${selectionText(r.selection)})`);
  out.push('');
  // Deadlocks (and findings asked for by --finding, or all with --full) in full, in trust order; the others
  // one or two lines each, so the real problem is not finding #143 of a wall of splats. JSON keeps all evidence.
  const full = opts.full || !!r.selection?.finding;
  const brief: string[] = [];
  r.findings.forEach((f, i) => {
    if (full || f.verdict === 'deadlock') out.push(...renderFinding(f, numbers[i]), '');
    else brief.push(...compact(f, numbers[i]));
  });
  if (brief.length) {
    out.push(`Findings not proven (unverified, benign, suppressed), most trustworthy first; one in full: --finding N or ID`, ...brief, '');
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
  countedList(out, 'Warnings (the input is damaged or could not all be read; --strict fails on these):', r.warnings);
  countedList(out, 'Observations (normal kernel behaviour, the capture window\'s edges, limits of the format; not warnings):', r.observations);
  return out.join('\n');
}

/** The kind x verdict table and the classes most findings go through. */
function summaryTable(sm: ReportSummary): string[] {
  const kinds = Object.keys(sm.byKind);
  const w = Math.max(...kinds.map((k) => k.length), 'kind'.length);
  const cols = VERDICTS.map((v) => v.padStart(Math.max(v.length, 8)));
  const out = [`    ${'kind'.padEnd(w)}  ${cols.join('  ')}`];
  for (const k of kinds) {
    out.push(`    ${k.padEnd(w)}  ${VERDICTS.map((v, i) => String(sm.byKind[k][v] ?? 0).padStart(cols[i].length)).join('  ')}`);
  }
  if (sm.topClasses.length) {
    out.push(`  top classes: ${sm.topClasses.map((c) => `${safe(c.class)} (${c.findings}${c.deadlock ? `, ${c.deadlock} deadlock` : ''})`).join(', ')}`);
  }
  return out;
}

function selectionText(sel: Selection): string {
  const parts: string[] = [];
  if (sel.finding) parts.push(`--finding ${sel.finding.map(safe).join(',')}`);
  if (sel.kind) parts.push(`--kind ${sel.kind.join(',')}`);
  if (sel.verdict) parts.push(`--verdict ${sel.verdict.join(',')}`);
  if (sel.class) parts.push(`--class ${sel.class.map(safe).join(' --class ')}`);
  return parts.join(' ');
}

/** One or two lines: number, verdict, ID and title; then why it is not a deadlock. */
function compact(f: Finding, n: number): string[] {
  const out = [`  #${n} ${f.verdict} [${f.id}] ${safe(f.title!)}`];
  if (f.reason) out.push(`      ${safe(f.reason.length > COMPACT_REASON ? f.reason.slice(0, COMPACT_REASON - 1) + '…' : f.reason)}`);
  return out;
}

/** A warning or observation list: each kind with its count, then its first locations. */
function countedList(out: string[], title: string, list: ReplayResult['warnings']): void {
  if (!list.length) return;
  out.push(title);
  for (const w of list) {
    out.push(`  ${w.kind}: ${w.count} — ${w.text}`);
    for (const l of w.first) out.push(`      at ${where(l)}${l.detail !== undefined ? `: ${safe(l.detail)}` : ''}`);
  }
  out.push('');
}


/**
 * "unverified findings rest on N uncertain dependencies; most: A -> B (k), ...":
 * what to look at (or what a bigger buffer would have recorded cleanly).
 */
function restingOn(sm: ReportSummary): string | undefined {
  const u = sm.uncertainDependencies;
  if (!u) return undefined;
  return (
    `  unverified findings rest on ${u.count} dependenc${u.count === 1 ? 'y' : 'ies'} recorded only with uncertain held state; ` +
    `most used: ${u.mostUsed.map((d) => `${safe(`${d.from} -> ${d.to}`)} (${d.findings})`).join(', ')}`
  );
}

function where(l: { input: string; line?: number; byte?: number }): string {
  return l.line !== undefined ? `${safe(l.input)}:${l.line}` : l.byte !== undefined ? `${safe(l.input)} byte ${l.byte}` : safe(l.input);
}

function ev(e: EvidenceOut, withStack = false): string {
  const held = e.held.length ? (e.heldOmitted ? `… ${e.heldOmitted} more held, ` : '') + e.held.map(safe).join(', ') : '(nothing)';
  return (
    `${where(e)} ts ${e.ts} cpu ${e.cpu} ${safe(e.comm)}/${e.pid} [${e.context}]${e.uncertain ? ' (held state uncertain)' : ''}\n` +
    (e.inferred ? `        ${safe(e.inferred)}\n` : '') +
    `        holding: ${held}` +
    (withStack && e.stack ? `\n${frames(e.stack, 10).join('\n')}` : '')
  );
}

/** A call stack, one frame a line, indented as lockdep's splat indents them under `-> #N (class):`. */
function frames(stack: string[], indent = 7): string[] {
  const pad = ' '.repeat(indent);
  return stack.map((f) => pad + safe(f));
}

export function renderFinding(f: Finding, n: number): string[] {
  const out: string[] = [];
  const bar = '======================================================';
  out.push(bar);
  out.push(`#${n} WARNING: ${HEADERS[f.kind] ?? f.kind}`);
  out.push(`   id ${f.id}: ${safe(f.title!)}`);
  out.push(`   verdict: ${f.verdict}${f.reason ? ` — ${safe(f.reason)}` : ''}${f.lockdepWouldReportFirst ? '  [first in trace order: what lockdep itself would have printed]' : ''}`);
  if (f.syzbotTitle) out.push(`   syzbot title: ${safe(f.syzbotTitle)}`);
  out.push('------------------------------------------------------');
  for (const c of f.caveats ?? []) out.push(`caveat: ${safe(c)}`);
  if (f.kind === 'circular-dependency') out.push(...renderCycle(f));
  else {
    // irq-safe-unsafe names the safe class and the unsafe one (print_bad_irq_dependency()).
    out.push(f.kind === 'irq-safe-unsafe' && f.classes.length > 1
      ? `classes: (${safe(f.classes[0])}) -> (${safe(f.classes[f.classes.length - 1])})`
      : `class: (${safe(f.classes[0])})`);
    for (const e of f.evidence ?? []) out.push(`${e.role}:`, `    ${ev(e.at, true)}`);
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
  out.push(...lockdepChain(deps, k));
  // print_circular_lock_scenario(): the chain from the new lock back to the held one.
  const chain = deps.map((_, i) => deps[(k + 1 + i) % deps.length].from);
  if (chain.length > 2) out.push('', 'Chain exists of:', `  ${chain.map(safe).join(' --> ')}`);
  out.push('', ...scenario(closing.from, chain[chain.length - 2] ?? closing.to, closing.to), outcome(f));
  return out;
}

function renderDep(d: FindingDependency, i: number): string[] {
  const out = [`-> #${i} (${safe(d.from)}) -> (${safe(d.to)})  seen ${d.count}x, kinds ${d.kinds.join(' ')}${d.uncertainOnly ? ', only with uncertain held state' : ''}`];
  out.push(`        first: ${ev(d.first)}`);
  if (d.first.heldStack) out.push(`        (${safe(d.from)}) was acquired at:`, ...frames(d.first.heldStack, 10));
  if (d.firstClean) out.push(`        first with certain held state: ${ev(d.firstClean)}`);
  return out;
}

/**
 * print_circular_bug(): "the existing dependency chain (in reverse order)", each
 * entry the class a dependency leads to and the stack at which that dependency
 * was first recorded, from the one into the held lock (#n-1) down to the
 * closing acquisition (#0). Only when the capture recorded stacks. lockdep also
 * prints each class's usage and wait type (`{+.+.}-{3:3}`), which a trace does not show.
 */
function lockdepChain(deps: FindingDependency[], k: number): string[] {
  if (!deps.some((d) => d.first.stack)) return [];
  const out = ['', 'the existing dependency chain (in reverse order) is:'];
  const n = deps.length;
  for (let depth = n - 1; depth >= 0; depth--) {
    const d = deps[(k + depth) % n]; // #0 the closing dependency, #1 the one out of its new lock, ...
    out.push('', `-> #${depth} (${safe(d.to)}):`, ...(d.first.stack ? frames(d.first.stack) : ['       (no stack recorded)']));
  }
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
