/**
 * The HTML report's style and page script. The script only ever sets
 * textContent (names are data). It decodes a finding's packed view
 * (report/htmlView) and lays it out with cytoscape only when the finding is
 * opened, so a page with thousands of findings paints at once: the cycle on an
 * inner ring in cycle order, neighbours on an outer ring, ring spacing from
 * the node sizes with their labels (concentric layout, avoidOverlap), so
 * labels do not overlap.
 */
export const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#212529}
code{font:12px ui-monospace,monospace;background:#f1f3f5;padding:0 .2em}
table.summary,table.index{border-collapse:collapse;font-size:13px;margin:.5em 0}
table.summary td,table.summary th,table.index td,table.index th{border:1px solid #dee2e6;padding:.15em .5em;text-align:left}
table.summary td.n{text-align:right}table.index td{white-space:nowrap}
table.index tbody tr{cursor:pointer}table.index tbody tr:hover{background:#f1f3f5}
.index-box{max-height:24em;overflow:auto;border:1px solid #dee2e6;display:inline-block}
#filter{width:32em;margin:.3em 0}
.finding{border:1px solid #dee2e6;border-left:6px solid #adb5bd;margin:.4em 0;padding:.2em 1em}
.finding>summary{cursor:pointer;padding:.2em 0}
.finding[open]>summary{font-weight:bold}
.finding.deadlock,tr.deadlock td.v{border-left-color:#c92a2a}.finding.unverified{border-left-color:#e67700}.finding.benign{border-left-color:#2f9e44}
.verdict,td.v{font-size:12px}.verdict{padding:.1em .5em;border-radius:3px;background:#e9ecef}
tr.deadlock td.v{color:#c92a2a;font-weight:bold}
table.deps{border-collapse:collapse;font-size:13px}table.deps td,table.deps th{border:1px solid #dee2e6;padding:.2em .4em;vertical-align:top;text-align:left}
.view{display:flex;gap:1em;margin-top:.5em}.cy{width:720px;height:480px;border:1px solid #ced4da}
.panel{flex:1;font-size:13px;max-height:480px;overflow:auto}.panel li{margin:.2em 0}
.legend span{display:inline-block;padding:0 .4em;margin-right:.4em;border:1px solid #ced4da}
details.stack summary{cursor:pointer;font-size:12px;color:#495057}details.stack pre{font:12px ui-monospace,monospace;margin:.2em 0 .2em 1em}
`;

export const CLIENT = `
(function(){
  var packed = JSON.parse(document.getElementById('lockreplay-data').textContent);
  var S = packed.s, KINDS = ['plain','safe','unsafe','both','pseudo'];
  var colour = {safe:'#ffc9c9', unsafe:'#d0ebff', both:'#ffd8a8', pseudo:'#f8f9fa', plain:'#e9ecef'};
  var views = {};
  packed.v.forEach(function(v){ views[v[0]] = v; });
  function text(tag, s){ var e = document.createElement(tag); e.textContent = s; return e; }
  function decode(v){
    var nodes = [], edges = [], n = v[1], e = v[2], i;
    for (i = 0; i < n.length; i += 4) nodes.push({id:'n' + (i / 4), name:S[n[i]], kind:KINDS[n[i + 1]], inCycle:n[i + 2] === 1, usage:n[i + 3] < 0 ? '' : S[n[i + 3]]});
    for (i = 0; i < e.length; i += 6) edges.push({id:'e' + (i / 6), source:'n' + e[i], target:'n' + e[i + 1], label:S[e[i + 2]], onCycle:e[i + 3] === 1, first:S[e[i + 4]], captures:e[i + 5] < 0 ? '' : S[e[i + 5]]});
    return {nodes:nodes, edges:edges};
  }
  function draw(k){
    var box = document.getElementById('cy-' + k);
    if (!box || box.lockreplay || !views[k]) return;
    var v = decode(views[k]);
    var panel = document.getElementById('panel-' + k);
    var byId = {};
    v.nodes.forEach(function(n){ byId[n.id] = n; });
    var cy = cytoscape({
      container: box,
      elements: v.nodes.map(function(n){ return {data:{id:n.id, label:n.name, kind:n.kind, cycle:n.inCycle ? 1 : 0}}; })
        .concat(v.edges.map(function(e){ return {data:{id:e.id, source:e.source, target:e.target, label:e.label, cycle:e.onCycle ? 1 : 0}}; })),
      style: [
        {selector:'node', style:{'label':'data(label)','font-size':10,'text-valign':'bottom','text-margin-y':3,'text-wrap':'ellipsis','text-max-width':150,'background-color':function(n){return colour[n.data('kind')];},'border-width':1,'border-color':'#868e96','width':18,'height':18,'text-background-color':'#fff','text-background-opacity':0.8}},
        {selector:'node[kind = "pseudo"]', style:{'shape':'round-rectangle','border-style':'dashed'}},
        {selector:'node[cycle = 1]', style:{'border-width':3,'border-color':'#c92a2a','width':26,'height':26,'font-weight':'bold'}},
        {selector:'edge', style:{'curve-style':'bezier','target-arrow-shape':'triangle','width':1,'line-color':'#ced4da','target-arrow-color':'#ced4da'}},
        {selector:'edge[cycle = 1]', style:{'width':3,'line-color':'#c92a2a','target-arrow-color':'#c92a2a','label':'data(label)','font-size':8,'control-point-step-size':70,'text-rotation':'autorotate','text-background-color':'#fff','text-background-opacity':0.8}},
        {selector:':selected', style:{'border-color':'#1971c2','border-width':4}}
      ],
      layout: {name:'concentric', concentric:function(n){ return n.data('cycle') ? 2 : 1; }, levelWidth:function(){ return 1; },
        avoidOverlap:true, nodeDimensionsIncludeLabels:true, spacingFactor:1.05, minNodeSpacing:12, animate:false}
    });
    cy.on('tap', 'node', function(evt){
      var n = byId[evt.target.id()];
      panel.textContent = '';
      panel.appendChild(text('h3', n.name));
      if (n.usage) panel.appendChild(text('p', 'usage: ' + n.usage));
      [['depends on (taken while holding it)', 'source', 'target'], ['taken after (held when it is taken)', 'target', 'source']].forEach(function(dir){
        var list = v.edges.filter(function(e){ return e[dir[1]] === n.id; });
        panel.appendChild(text('h4', dir[0] + ': ' + list.length));
        var ul = document.createElement('ul');
        list.forEach(function(e){
          var li = text('li', (dir[1] === 'source' ? n.name + ' \\u2192 ' + byId[e.target].name : byId[e.source].name + ' \\u2192 ' + n.name) +
            '  ' + e.label + '  first: ' + e.first + (e.captures ? '  [' + e.captures + ']' : ''));
          li.className = 'dep';
          ul.appendChild(li);
        });
        panel.appendChild(ul);
      });
    });
    box.lockreplay = cy;
  }
  function open(k){
    var d = document.getElementById('finding-' + k);
    if (!d) return;
    d.open = true;
    draw(k);
    d.scrollIntoView({block:'start'});
  }
  document.querySelectorAll('details.finding').forEach(function(d){
    var k = Number(d.getAttribute('data-k'));
    d.addEventListener('toggle', function(){ if (d.open) draw(k); });
    if (d.open) draw(k);
  });
  var rows = document.querySelectorAll('table.index tbody tr');
  rows.forEach(function(tr){ tr.addEventListener('click', function(){ open(Number(tr.getAttribute('data-k'))); }); });
  var filter = document.getElementById('filter');
  if (filter) filter.addEventListener('input', function(){
    var q = filter.value.toLowerCase();
    rows.forEach(function(tr){ tr.style.display = !q || tr.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none'; });
  });
  // #finding-K or #ID in the address opens that finding.
  var h = decodeURIComponent(location.hash.slice(1));
  if (h) {
    var d = document.getElementById(h) || document.querySelector('details.finding[data-id="' + h.replace(/[^0-9a-f]/gi, '') + '"]');
    if (d && d.classList.contains('finding')) open(Number(d.getAttribute('data-k')));
  }
})();
`;
