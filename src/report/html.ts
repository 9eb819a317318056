/**
 * HTML report: one self-contained file (no network: a Content-Security-Policy
 * forbids any fetch; cytoscape is read from node_modules at render time and
 * inlined) with the triage summary, an index of every finding (one row each,
 * in trust order, filterable), every finding with its evidence in a collapsed
 * <details> (deadlocks open), and for each cycle an interactive view of the
 * cycle and its neighbourhood, laid out only when the finding is opened (pan/
 * zoom; click a class to list its dependencies). Built for thousands of
 * findings: none/trace.dat's 1047 open at once.
 *
 * Names are data. Findings are rendered server-side with HTML escaping; the
 * graph data travels as JSON in a non-executed <script type="application/json">
 * with `<`, `>`, `&` and U+2028/9 escaped, so `</script>` in a lock name
 * cannot end the element; the page script only ever sets textContent.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { EvidenceOut, Finding } from '../analysis/findings.ts';
import type { ReplayResult } from './result.ts';
import { graphOf } from '../graph/resultGraph.ts';
import { finishFindings } from '../analysis/trustOrder.ts';
import { VERDICTS } from '../analysis/findings.ts';
import { summarise, type ReportSummary } from './summary.ts';
import { packViews } from './htmlView.ts';
import { CLIENT, STYLE } from './htmlClient.ts';

const HEADERS: Record<string, string> = {
  'circular-dependency': 'possible circular locking dependency detected',
  'recursive-locking': 'possible recursive locking detected',
  'inconsistent-irq-state': 'inconsistent lock state',
  'irq-safe-unsafe': 'irq-safe -> irq-unsafe lock order detected',
};

/** Findings opened on load (their graphs laid out at once): the deadlocks, up to this many. */
const OPEN_ON_LOAD = 10;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside any <script> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let cytoscapeSource: string | undefined;
function cytoscape(): string {
  if (cytoscapeSource === undefined) {
    const path = createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js');
    // An inlined script must not contain its own end tag.
    cytoscapeSource = readFileSync(path, 'utf8').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  }
  return cytoscapeSource;
}

function where(e: EvidenceOut): string {
  return `${e.input}${e.line !== undefined ? `:${e.line}` : `: byte ${e.byte}`}`;
}

function evidenceHtml(e: EvidenceOut): string {
  return `<span class="ev">${escapeHtml(where(e))} ts ${escapeHtml(e.ts)} cpu ${e.cpu} ${escapeHtml(e.comm)}/${e.pid} [${escapeHtml(e.context)}]` +
    `${e.uncertain ? ' <em>(uncertain)</em>' : ''}</span>` +
    (e.held.length ? `<br><span class="held">holding: ${e.heldOmitted ? `… ${e.heldOmitted} more held, ` : ''}${e.held.map((h) => `<code>${escapeHtml(h)}</code>`).join(', ')}</span>` : '') +
    stackHtml('call stack', e.stack) +
    stackHtml('held lock acquired at', e.heldStack);
}

/** A call stack, collapsed: one frame a line as lockdep prints them. */
function stackHtml(label: string, stack: string[] | undefined): string {
  if (!stack) return '';
  return `<details class="stack"><summary>${escapeHtml(label)} (${stack.length} frames)</summary><pre>${stack.map(escapeHtml).join('\n')}</pre></details>`;
}

function findingHtml(f: Finding, k: number, n: number, hasView: boolean, open: boolean): string {
  const out: string[] = [];
  out.push(`<details class="finding ${escapeHtml(f.verdict)}" id="finding-${k}" data-k="${k}" data-id="${escapeHtml(f.id!)}"${open ? ' open' : ''}>`);
  out.push(`<summary>#${n} <span class="verdict">${escapeHtml(f.verdict)}</span> <code class="id">${escapeHtml(f.id!)}</code> ${escapeHtml(f.title!)}</summary>`);
  out.push(`<h2>${escapeHtml(HEADERS[f.kind] ?? f.kind)}${f.lockdepWouldReportFirst ? ' <span class="first">first in trace order</span>' : ''}</h2>`);
  if (f.syzbotTitle) out.push(`<p class="syzbot">syzbot title: <code>${escapeHtml(f.syzbotTitle)}</code></p>`);
  out.push(`<p class="classes">${f.classes.map((c) => `<code>${escapeHtml(c)}</code>`).join(f.kind === 'circular-dependency' ? ' &rarr; ' : ', ')}</p>`);
  if (f.reason) out.push(`<p class="reason">${escapeHtml(f.reason)}</p>`);
  if (f.explanation) out.push(`<p class="explanation">${escapeHtml(f.explanation)}</p>`);
  for (const c of f.caveats ?? []) out.push(`<p class="caveat">${escapeHtml(c)}</p>`);
  if (f.dependencies.length) {
    out.push('<table class="deps"><thead><tr><th>dependency</th><th>seen</th><th>kinds</th><th>first seen</th></tr></thead><tbody>');
    for (const d of f.dependencies) {
      const caps = (d as { captures?: string[] }).captures;
      out.push(
        `<tr><td><code>${escapeHtml(d.from)}</code> &rarr; <code>${escapeHtml(d.to)}</code></td><td>${d.count}x</td><td>${escapeHtml(d.kinds.join(', '))}</td>` +
          `<td>${evidenceHtml(d.first)}${d.uncertainOnly ? '<br><em>only recorded with uncertain held state</em>' : ''}` +
          `${caps ? `<br><span class="caps">captures: ${caps.map(escapeHtml).join(', ')}</span>` : ''}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  for (const e of f.evidence ?? []) out.push(`<p class="evidence"><strong>${escapeHtml(e.role)}</strong>: ${evidenceHtml(e.at)}</p>`);
  if (hasView) {
    out.push(`<div class="view"><div class="cy" id="cy-${k}" data-view="${k}"></div>` +
      `<div class="panel" id="panel-${k}"><p class="hint">Click a class to list its dependencies. Drag to pan, scroll to zoom.</p></div></div>`);
  }
  out.push('</details>');
  return out.join('\n');
}

/** The kind x verdict table and the top classes (report/summary), over every finding of the result. */
function summaryHtml(sm: ReportSummary): string {
  const kinds = Object.keys(sm.byKind);
  if (!kinds.length) return '';
  const rows = kinds.map((k) => `<tr><td>${escapeHtml(k)}</td>${VERDICTS.map((v) => `<td class="n">${sm.byKind[k][v] ?? 0}</td>`).join('')}</tr>`);
  return `<table class="summary"><thead><tr><th>kind</th>${VERDICTS.map((v) => `<th>${v}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>` +
    (sm.topClasses.length ? `<p>top classes: ${sm.topClasses.map((c) => `<code>${escapeHtml(c.class)}</code> (${c.findings}${c.deadlock ? `, ${c.deadlock} deadlock` : ''})`).join(', ')}</p>` : '');
}

/** One row per finding: number, verdict, kind, ID, title; a click opens the finding. */
function indexHtml(findings: Finding[], numbers: number[]): string {
  const rows = findings.map((f, k) =>
    `<tr class="${escapeHtml(f.verdict)}" data-k="${k}"><td>#${numbers[k]}</td><td class="v">${escapeHtml(f.verdict)}</td><td>${escapeHtml(f.kind)}</td><td><code>${escapeHtml(f.id!)}</code></td><td>${escapeHtml(f.title!)}</td></tr>`);
  return '<p><input id="filter" type="search" placeholder="filter the index: class, ID, verdict, kind"></p>' +
    `<div class="index-box"><table class="index"><thead><tr><th>#</th><th>verdict</th><th>kind</th><th>id</th><th>title</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

export function renderHtml(result: ReplayResult): string {
  const g = graphOf(result);
  const r = { ...result, findings: finishFindings(result.findings) };
  const numbers = r.selection?.numbers ?? r.findings.map((_, i) => i + 1);
  const hasView = (f: Finding) => f.kind === 'circular-dependency';
  const views = packViews(r.findings, hasView, g);
  const s = r.stats;
  const summary = r.summary ?? summarise(r.findings);
  const total = r.selection?.of ?? r.findings.length;
  const deadlocks = Object.values(summary.byKind).reduce((n, v) => n + (v.deadlock ?? 0), 0);
  const body: string[] = [];
  body.push('<h1>lockreplay report</h1>');
  body.push('<ul class="inputs">' + r.inputs.map((i) => `<li><code>${escapeHtml(i.name)}</code> (${escapeHtml(i.format)})${(i.notes ?? []).map((n) => ' &mdash; ' + escapeHtml(n)).join('')}</li>`).join('') + '</ul>');
  body.push(`<p>${s.events} events, ${s.classes} classes, ${s.dependencies} dependencies. <strong>${total} finding${total === 1 ? '' : 's'}, ${deadlocks} deadlock${deadlocks === 1 ? '' : 's'}.</strong>` +
    (r.selection ? ` Shown: ${r.findings.length} of ${total}.` : '') + '</p>');
  body.push(summaryHtml(summary));
  for (const w of r.warnings) body.push(`<p class="warning">warning ${escapeHtml(w.kind)} (${w.count}x): ${escapeHtml(w.text)}</p>`);
  for (const w of r.observations) body.push(`<p class="observation">observed ${escapeHtml(w.kind)} (${w.count}x): ${escapeHtml(w.text)}</p>`);
  if (r.findings.length) body.push(indexHtml(r.findings, numbers));
  if (views.v.length) body.push('<p class="legend">classes: <span style="background:#ffc9c9">irq-safe</span><span style="background:#d0ebff">irq-unsafe</span><span style="background:#ffd8a8">both</span><span style="border-style:dashed">pseudo-lock</span> red: the cycle</p>');
  let opened = 0;
  r.findings.forEach((f, k) => body.push(findingHtml(f, k, numbers[k], hasView(f), f.verdict === 'deadlock' && opened++ < OPEN_ON_LOAD)));
  if (!r.findings.length) body.push('<p>No lock-order problems found.</p>');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<title>lockreplay report</title>',
    `<style>${STYLE}</style></head><body>`,
    ...body,
    `<script type="application/json" id="lockreplay-data">${scriptJson(views)}</script>`,
    r.findings.length ? `<script>${cytoscape()}</script>\n<script>${CLIENT}</script>` : '',
    '</body></html>',
    '',
  ].join('\n');
}
