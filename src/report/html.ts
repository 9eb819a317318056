/**
 * HTML report: one self-contained file (no network: a Content-Security-Policy
 * forbids any fetch; cytoscape is read from node_modules at render time and
 * inlined) with every finding, its evidence, and for each cycle an
 * interactive view of the cycle and its neighbourhood (pan/zoom; click a
 * class to list its dependencies).
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
import { compareNames, dependencyKey, type GraphDependency, type GraphFile } from '../graph/graphFile.ts';
import { isPseudoLock } from './dot.ts';
import { Usage } from '../analysis/irqUsage.ts';
import { finishFindings } from '../analysis/trustOrder.ts';

const HEADERS: Record<string, string> = {
  'circular-dependency': 'possible circular locking dependency detected',
  'recursive-locking': 'possible recursive locking detected',
  'inconsistent-irq-state': 'inconsistent lock state',
  'irq-safe-unsafe': 'irq-safe -> irq-unsafe lock order detected',
};

/** Most neighbour classes drawn around one cycle (the closest by dependency count first). */
const MAX_NEIGHBOURS = 40;

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
    (e.held.length ? `<br><span class="held">holding: ${e.heldOmitted ? `… ${e.heldOmitted} more held, ` : ''}${e.held.map((h) => `<code>${escapeHtml(h)}</code>`).join(', ')}</span>` : '');
}

interface ViewNode { id: string; name: string; kind: string; inCycle: boolean; usage: string[] }
interface ViewEdge { id: string; source: string; target: string; label: string; onCycle: boolean; first: string; captures: string[] }
interface View { nodes: ViewNode[]; edges: ViewEdge[] }

const SAFE = Usage.UsedInHardirq | Usage.UsedInHardirqRead | Usage.UsedInSoftirq | Usage.UsedInSoftirqRead;
const UNSAFE = Usage.EnabledHardirq | Usage.EnabledHardirqRead | Usage.EnabledSoftirq | Usage.EnabledSoftirqRead;

/** The cycle and its neighbourhood: from the whole graph when there is one, else from the finding's own evidence. */
function viewOf(f: Finding, g: GraphFile | undefined): View {
  const inCycle = new Set(f.classes);
  const cycleKeys = new Set(f.classes.map((n, k) => dependencyKey(n, f.classes[(k + 1) % f.classes.length])));
  const edges = new Map<string, { from: string; to: string; label: string; first: string; captures: string[] }>();
  const usage = new Map<string, number>();
  const usageStr = new Map<string, string[]>();
  if (g) {
    for (const c of g.classes) {
      usage.set(c.name, c.usageBits);
      usageStr.set(c.name, c.usage);
    }
    const near: GraphDependency[] = g.dependencies.filter((d) => inCycle.has(d.from) || inCycle.has(d.to));
    // Keep the cycle's edges, then the busiest neighbours.
    const counts = new Map<string, number>();
    for (const d of near) {
      for (const n of [d.from, d.to]) if (!inCycle.has(n)) counts.set(n, (counts.get(n) ?? 0) + d.count);
    }
    const keep = new Set([...counts].sort((a, b) => b[1] - a[1] || compareNames(a[0], b[0])).slice(0, MAX_NEIGHBOURS).map(([n]) => n));
    for (const d of near) {
      if ((inCycle.has(d.from) || keep.has(d.from)) && (inCycle.has(d.to) || keep.has(d.to))) {
        const e = d.first;
        edges.set(dependencyKey(d.from, d.to), {
          from: d.from, to: d.to, label: `${d.count}x ${d.kinds.join(',')}`, captures: d.captures,
          first: `${e.capture === e.input ? e.capture : `${e.capture}: ${e.input}`}${e.line !== undefined ? `:${e.line}` : `: byte ${e.byte}`} ${e.comm}/${e.pid}`,
        });
      }
    }
  }
  for (const d of f.dependencies) {
    const key = dependencyKey(d.from, d.to);
    if (!edges.has(key)) {
      edges.set(key, { from: d.from, to: d.to, label: `${d.count}x ${d.kinds.join(',')}`, first: `${where(d.first)} ${d.first.comm}/${d.first.pid}`, captures: [] });
    }
    if (!g) {
      // Without the graph: the locks held when each dependency was recorded are its neighbourhood.
      for (const h of d.first.held) {
        if (h === d.from) continue;
        const hk = dependencyKey(h, d.from);
        if (!edges.has(hk)) edges.set(hk, { from: h, to: d.from, label: 'held', first: where(d.first), captures: [] });
      }
    }
  }
  const names = [...new Set([...f.classes, ...[...edges.values()].flatMap((e) => [e.from, e.to])])].sort(compareNames);
  const id = new Map(names.map((n, i) => [n, `n${i}`]));
  const nodes: ViewNode[] = names.map((n) => {
    const bits = usage.get(n) ?? 0;
    const kind = isPseudoLock(n) ? 'pseudo' : bits & SAFE && bits & UNSAFE ? 'both' : bits & SAFE ? 'safe' : bits & UNSAFE ? 'unsafe' : 'plain';
    return { id: id.get(n)!, name: n, kind, inCycle: inCycle.has(n), usage: usageStr.get(n) ?? [] };
  });
  const edgeList: ViewEdge[] = [...edges.values()]
    .sort((a, b) => compareNames(a.from, b.from) || compareNames(a.to, b.to))
    .map((e, i) => ({ id: `e${i}`, source: id.get(e.from)!, target: id.get(e.to)!, label: e.label, onCycle: cycleKeys.has(dependencyKey(e.from, e.to)), first: e.first, captures: e.captures }));
  return { nodes, edges: edgeList };
}

function findingHtml(f: Finding, k: number, hasView: boolean): string {
  const out: string[] = [];
  out.push(`<section class="finding ${escapeHtml(f.verdict)}" id="finding-${k}" data-id="${escapeHtml(f.id!)}">`);
  out.push(`<h2>#${k + 1} ${escapeHtml(HEADERS[f.kind] ?? f.kind)} <span class="verdict">${escapeHtml(f.verdict)}</span>${f.lockdepWouldReportFirst ? ' <span class="first">first in trace order</span>' : ''}</h2>`);
  out.push(`<p class="title"><code class="id">${escapeHtml(f.id!)}</code> ${escapeHtml(f.title!)}</p>`);
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
  out.push('</section>');
  return out.join('\n');
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#212529}
code{font:12px ui-monospace,monospace;background:#f1f3f5;padding:0 .2em}
.finding{border:1px solid #dee2e6;border-left:6px solid #adb5bd;margin:1em 0;padding:.5em 1em}
.finding.deadlock{border-left-color:#c92a2a}.finding.unverified{border-left-color:#e67700}.finding.benign{border-left-color:#2f9e44}
.verdict{font-size:12px;padding:.1em .5em;border-radius:3px;background:#e9ecef}
table.deps{border-collapse:collapse;font-size:13px}table.deps td,table.deps th{border:1px solid #dee2e6;padding:.2em .4em;vertical-align:top;text-align:left}
.view{display:flex;gap:1em;margin-top:.5em}.cy{width:640px;height:420px;border:1px solid #ced4da}
.panel{flex:1;font-size:13px;max-height:420px;overflow:auto}.panel li{margin:.2em 0}
.legend span{display:inline-block;padding:0 .4em;margin-right:.4em;border:1px solid #ced4da}
`;

const CLIENT = `
(function(){
  var data = JSON.parse(document.getElementById('lockreplay-data').textContent);
  var colour = {safe:'#ffc9c9', unsafe:'#d0ebff', both:'#ffd8a8', pseudo:'#f8f9fa', plain:'#e9ecef'};
  function text(tag, s){ var e = document.createElement(tag); e.textContent = s; return e; }
  data.views.forEach(function(v){
    var box = document.getElementById('cy-' + v.finding);
    var panel = document.getElementById('panel-' + v.finding);
    var byId = {};
    v.nodes.forEach(function(n){ byId[n.id] = n; });
    var cy = cytoscape({
      container: box,
      elements: v.nodes.map(function(n){ return {data:{id:n.id, label:n.name, kind:n.kind, cycle:n.inCycle ? 1 : 0}}; })
        .concat(v.edges.map(function(e){ return {data:{id:e.id, source:e.source, target:e.target, label:e.label, cycle:e.onCycle ? 1 : 0}}; })),
      style: [
        {selector:'node', style:{'label':'data(label)','font-size':9,'text-wrap':'ellipsis','text-max-width':140,'background-color':function(n){return colour[n.data('kind')];},'border-width':1,'border-color':'#868e96','width':18,'height':18}},
        {selector:'node[kind = "pseudo"]', style:{'shape':'round-rectangle','border-style':'dashed'}},
        {selector:'node[cycle = 1]', style:{'border-width':3,'border-color':'#c92a2a','width':26,'height':26,'font-weight':'bold'}},
        {selector:'edge', style:{'curve-style':'bezier','target-arrow-shape':'triangle','width':1,'line-color':'#ced4da','target-arrow-color':'#ced4da'}},
        {selector:'edge[cycle = 1]', style:{'width':3,'line-color':'#c92a2a','target-arrow-color':'#c92a2a','label':'data(label)','font-size':8}},
        {selector:':selected', style:{'border-color':'#1971c2','border-width':4}}
      ],
      layout: {name:'cose', randomize:false, animate:false, nodeRepulsion: function(){ return 8000; }}
    });
    cy.on('tap', 'node', function(evt){
      var n = byId[evt.target.id()];
      panel.textContent = '';
      panel.appendChild(text('h3', n.name));
      if (n.usage.length) panel.appendChild(text('p', 'usage: ' + n.usage.join(' ')));
      [['depends on (taken while holding it)', 'source', 'target'], ['taken after (held when it is taken)', 'target', 'source']].forEach(function(dir){
        var list = v.edges.filter(function(e){ return e[dir[1]] === n.id; });
        panel.appendChild(text('h4', dir[0] + ': ' + list.length));
        var ul = document.createElement('ul');
        list.forEach(function(e){
          var li = text('li', (dir[1] === 'source' ? n.name + ' \\u2192 ' + byId[e.target].name : byId[e.source].name + ' \\u2192 ' + n.name) +
            '  ' + e.label + '  first: ' + e.first + (e.captures.length ? '  [' + e.captures.join(', ') + ']' : ''));
          li.className = 'dep';
          ul.appendChild(li);
        });
        panel.appendChild(ul);
      });
    });
    box.lockreplay = cy;
  });
})();
`;

export function renderHtml(result: ReplayResult): string {
  const g = graphOf(result);
  const r = { ...result, findings: finishFindings(result.findings) };
  const views: (View & { finding: number })[] = [];
  r.findings.forEach((f, k) => {
    if (f.kind === 'circular-dependency') views.push({ finding: k, ...viewOf(f, g) });
  });
  const s = r.stats;
  const deadlocks = r.findings.filter((f) => f.verdict === 'deadlock').length;
  const body: string[] = [];
  body.push('<h1>lockreplay report</h1>');
  body.push('<ul class="inputs">' + r.inputs.map((i) => `<li><code>${escapeHtml(i.name)}</code> (${escapeHtml(i.format)})${(i.notes ?? []).map((n) => ' &mdash; ' + escapeHtml(n)).join('')}</li>`).join('') + '</ul>');
  body.push(`<p>${s.events} events, ${s.classes} classes, ${s.dependencies} dependencies. <strong>${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}, ${deadlocks} deadlock${deadlocks === 1 ? '' : 's'}.</strong></p>`);
  if (views.length) body.push('<p class="legend">classes: <span style="background:#ffc9c9">irq-safe</span><span style="background:#d0ebff">irq-unsafe</span><span style="background:#ffd8a8">both</span><span style="border-style:dashed">pseudo-lock</span> red: the cycle</p>');
  for (const w of r.warnings) body.push(`<p class="warning">warning ${escapeHtml(w.kind)} (${w.count}x): ${escapeHtml(w.text)}</p>`);
  r.findings.forEach((f, k) => body.push(findingHtml(f, k, f.kind === 'circular-dependency')));
  if (!r.findings.length) body.push('<p>No lock-order problems found.</p>');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    '<title>lockreplay report</title>',
    `<style>${STYLE}</style></head><body>`,
    ...body,
    `<script type="application/json" id="lockreplay-data">${scriptJson({ views })}</script>`,
    views.length ? `<script>${cytoscape()}</script>\n<script>${CLIENT}</script>` : '',
    '</body></html>',
    '',
  ].join('\n');
}
