/**
 * One self-contained HTML page of a store (`lockreplay store-html`): the
 * kernel versions, each with its findings (verdict, captures, first and last
 * seen, found across captures or not), and every finding's evidence and the
 * captures it was seen in. No script and nothing fetched: inline CSS and
 * <details> elements, every name escaped (names are data).
 */
import type { EvidenceOut, Finding } from '../analysis/findings.ts';
import type { FindingDetail } from './findingQueries.ts';
import type { StoreExport } from './storeExport.ts';
import { escapeHtml as h } from '../report/html.ts';

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#212529}
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #dee2e6}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #dee2e6;padding:.2em .5em;text-align:left;vertical-align:top}
.v-deadlock{color:#c92a2a;font-weight:bold}.v-unverified{color:#e67700}.v-benign,.v-suppressed{color:#868e96}
code,.ev{font-family:ui-monospace,monospace;font-size:12.5px}.ev{margin:.2em 0 .2em 1.5em;white-space:pre-wrap}
details{margin:.4em 0}summary{cursor:pointer}.cross{background:#fff3bf;padding:0 .3em;border-radius:3px}
`;

function verdict(v: string): string {
  return `<span class="v-${h(v)}">${h(v)}</span>`;
}

function evidence(e: EvidenceOut): string {
  const where = e.line !== undefined ? `${e.input}:${e.line}` : e.byte !== undefined ? `${e.input} byte ${e.byte}` : e.input;
  const held = e.held.length ? (e.heldOmitted ? `… ${e.heldOmitted} more held, ` : '') + e.held.join(', ') : '(nothing)';
  return `<div class="ev">${h(where)} ts ${h(e.ts)} cpu ${e.cpu} ${h(e.comm)}/${e.pid} [${h(e.context)}]${e.uncertain ? ' (held state uncertain)' : ''}\n  holding: ${h(held)}</div>`;
}

function findingBody(f: Finding): string {
  const out: string[] = [];
  if (f.reason) out.push(`<p>reason: ${h(f.reason)}</p>`);
  for (const c of f.caveats ?? []) out.push(`<p>caveat: ${h(c)}</p>`);
  if (f.explanation) out.push(`<p>${h(f.explanation)}</p>`);
  for (const d of f.dependencies) {
    out.push(`<div><code>${h(d.from)} -&gt; ${h(d.to)}</code> seen ${d.count}x, kinds ${h(d.kinds.join(' '))}${d.captures ? `, in ${h(d.captures.join(', '))}` : ''}</div>`);
    out.push(evidence(d.first));
    if (d.firstClean) out.push('<div class="ev">first with certain held state:</div>', evidence(d.firstClean));
  }
  for (const e of f.evidence ?? []) out.push(`<div>${h(e.role)}:</div>`, evidence(e.at));
  return out.join('\n');
}

function findingSection(f: FindingDetail): string {
  const out = [`<section id="f-${h(f.id)}"><h3><code>${h(f.id)}</code> ${verdict(f.verdict)} ${h(f.title)}</h3>`];
  out.push(`<p>${h(f.kind)}; classes: <code>${h(f.classes.join(', '))}</code></p>`);
  for (const o of f.occurrences) {
    const c = o.capture;
    out.push(`<details><summary>capture ${h(c.name)} (kernel ${h(c.kernel)}${c.machine ? `, machine ${h(c.machine)}` : ''}): ${verdict(o.verdict)}</summary>`);
    out.push(o.detail ? o.detail.map(findingBody).join('\n') : '<p>(evidence kept for the first captures of each kernel version only)</p>', '</details>');
  }
  for (const x of f.crossCapture) {
    out.push(`<details open><summary><span class="cross">across captures</span> of ${h(x.kernel)}: ${verdict(x.verdict)}, from ${h(x.captures.map((c) => c.name).join(', '))}</summary>`);
    out.push(findingBody(x.finding), '</details>');
  }
  out.push('</section>');
  return out.join('\n');
}

export function renderStoreHtml(x: StoreExport): string {
  const out: string[] = [];
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>lockreplay store ${h(x.store)}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>lockreplay store <code>${h(x.store)}</code></h1>`);
  out.push(`<p>${x.captures.length} captures, ${x.kernels.length} kernel versions, ${x.findings.length} findings</p>`);
  for (const k of x.kernels) {
    const here = x.findings.filter((f) => f.kernels.some((r) => r.kernel === k.kernel));
    out.push(`<h2>kernel ${h(k.kernel)}</h2><p>${k.captures} captures, ingested ${h(k.first)} to ${h(k.last)}; ${here.length} findings</p>`);
    if (!here.length) continue;
    out.push('<table><tr><th>ID</th><th>verdict</th><th>finding</th><th>captures</th><th>first seen</th><th>last seen</th></tr>');
    for (const f of here) {
      const r = f.kernels.find((y) => y.kernel === k.kernel)!;
      const cross = r.crossCapture ? ` <span class="cross">across ${h(r.crossCapture.captures.join(', '))}</span>` : '';
      out.push(`<tr><td><a href="#f-${h(f.id)}"><code>${h(f.id)}</code></a></td><td>${verdict(r.verdict)}</td><td>${h(f.title)}${cross}</td>` +
        `<td>${r.captures}</td><td>${h(r.firstSeen)}</td><td>${h(r.lastSeen)}</td></tr>`);
    }
    out.push('</table>');
  }
  out.push('<h2>findings</h2>', ...x.findings.map(findingSection));
  out.push('<h2>captures</h2><table><tr><th>#</th><th>name</th><th>kernel</th><th>machine</th><th>format</th><th>lost events</th><th>ingested</th></tr>');
  for (const c of x.captures) {
    out.push(`<tr><td>${c.id}</td><td>${h(c.name)}</td><td>${h(c.kernel)}</td><td>${h(c.machine ?? '')}</td><td>${h(c.format)}</td><td>${c.lostEvents ?? ''}</td><td>${h(c.ingestedAt)}</td></tr>`);
  }
  out.push('</table></body></html>');
  return out.join('\n') + '\n';
}
