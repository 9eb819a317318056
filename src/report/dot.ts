/**
 * Graphviz DOT of a lock graph: the whole graph, or each cycle finding with
 * its neighbourhood (the classes one dependency away) in its own cluster.
 * Styles say what a kernel developer looks for first:
 *  - irq-safe classes (IN-*IRQ usage) red, irq-unsafe (*IRQ-ON usage) blue,
 *    both (the classes an irq inversion runs through) orange;
 *  - pseudo-locks (workqueue/work completion maps, fs_reclaim, other
 *    `(...)` maps) as dashed boxes: nothing is really locked there;
 *  - cycle dependencies bold (red for deadlock, grey dashed for benign,
 *    dotted when recorded only under uncertain held state).
 * Node IDs are generated (n0, n1, ...), names only ever appear as escaped
 * labels, so a name cannot break out of its string.
 */
import type { Finding } from '../analysis/findings.ts';
import { FS_RECLAIM, WORK_COMPLETION_PREFIX, WQ_COMPLETION_PREFIX } from '../analysis/knownClasses.ts';
import { compareNames, dependencyKey, type GraphClass, type GraphDependency, type GraphFile } from '../graph/graphFile.ts';
import { Usage } from '../analysis/irqUsage.ts';

/** A DOT double-quoted string: quotes and backslashes escaped, control characters made visible. */
export function dotString(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\\\n' : `\\\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + '"';
}

const SAFE = Usage.UsedInHardirq | Usage.UsedInHardirqRead | Usage.UsedInSoftirq | Usage.UsedInSoftirqRead;
const UNSAFE = Usage.EnabledHardirq | Usage.EnabledHardirqRead | Usage.EnabledSoftirq | Usage.EnabledSoftirqRead;

/** Maps that lock nothing: workqueue/work completions, fs_reclaim, and maps named after a whole object such as `(&timer.timer)`. */
export function isPseudoLock(name: string): boolean {
  return name.startsWith(WQ_COMPLETION_PREFIX) || name.startsWith(WORK_COMPLETION_PREFIX) || name === FS_RECLAIM || /^\(.*\)$/s.test(name);
}

function nodeAttrs(c: GraphClass | undefined, name: string): string {
  const bits = c?.usageBits ?? 0;
  const a: string[] = [`label=${dotString(name)}`];
  const safe = (bits & SAFE) !== 0, unsafe = (bits & UNSAFE) !== 0;
  if (safe || unsafe) {
    a.push('style="filled' + (isPseudoLock(name) ? ',dashed' : '') + '"');
    a.push(`fillcolor=${safe && unsafe ? '"#ffd8a8"' : safe ? '"#ffc9c9"' : '"#d0ebff"'}`);
  } else if (isPseudoLock(name)) a.push('style=dashed');
  if (isPseudoLock(name)) a.push('shape=box');
  const tip = [safe && unsafe ? 'irq-safe and irq-unsafe' : safe ? 'irq-safe' : unsafe ? 'irq-unsafe' : '', ...(c?.usage ?? [])].filter(Boolean).join(' ');
  if (tip) a.push(`tooltip=${dotString(tip)}`);
  return a.join(', ');
}

function edgeAttrs(d: GraphDependency, cycleVerdict: string | undefined): string {
  const a: string[] = [`label=${dotString(`${d.count}x ${d.kinds.join(',')}`)}`];
  if (cycleVerdict === 'deadlock') a.push('color="#c92a2a"', 'penwidth=2.5');
  else if (cycleVerdict === 'benign') a.push('color="#868e96"', 'style=dashed', 'penwidth=2');
  else if (cycleVerdict) a.push('color="#e67700"', 'penwidth=2');
  else a.push('color="#adb5bd"');
  if (d.clean === 0) a.push('style=dotted');
  a.push(`tooltip=${dotString(`${d.from} -> ${d.to}: first ${d.first.capture === d.first.input ? d.first.capture : `${d.first.capture}: ${d.first.input}`}:${d.first.line ?? d.first.byte} (${d.captures.join(', ')})`)}`);
  return a.join(', ');
}

export interface DotOptions {
  /** One cluster per cycle finding with its neighbourhood, instead of the whole graph. */
  cycles: boolean;
}

export function renderDot(g: GraphFile, findings: Finding[], opts: DotOptions): string {
  const classes = new Map<string, GraphClass>();
  for (const c of g.classes) classes.set(c.name, c);
  const deps = new Map<string, GraphDependency>();
  for (const d of g.dependencies) deps.set(dependencyKey(d.from, d.to), d);
  const cycles = findings.filter((f) => f.kind === 'circular-dependency');
  const verdictOf = new Map<string, string>();
  for (const f of cycles) {
    f.classes.forEach((n, k) => {
      const key = dependencyKey(n, f.classes[(k + 1) % f.classes.length]);
      // deadlock wins over anything else on a dependency shared by several cycles
      if (verdictOf.get(key) !== 'deadlock') verdictOf.set(key, f.verdict);
    });
  }
  const out: string[] = ['digraph lockdep {', '  graph [rankdir=LR, fontname="Helvetica"];', '  node [shape=ellipse, fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];'];
  if (!opts.cycles) {
    const names = [...new Set([...classes.keys(), ...g.dependencies.flatMap((d) => [d.from, d.to])])].sort(compareNames);
    const id = new Map(names.map((n, i) => [n, `n${i}`]));
    for (const n of names) out.push(`  ${id.get(n)} [${nodeAttrs(classes.get(n), n)}];`);
    for (const d of [...g.dependencies].sort((x, y) => compareNames(x.from, y.from) || compareNames(x.to, y.to))) {
      out.push(`  ${id.get(d.from)} -> ${id.get(d.to)} [${edgeAttrs(d, verdictOf.get(dependencyKey(d.from, d.to)))}];`);
    }
  } else {
    const outs = new Map<string, GraphDependency[]>(), ins = new Map<string, GraphDependency[]>();
    for (const d of g.dependencies) {
      if (!outs.has(d.from)) outs.set(d.from, []);
      outs.get(d.from)!.push(d);
      if (!ins.has(d.to)) ins.set(d.to, []);
      ins.get(d.to)!.push(d);
    }
    cycles.forEach((f, k) => {
      const inCycle = new Set(f.classes);
      const hood = new Map<string, GraphDependency>();
      for (const n of f.classes) for (const d of [...(outs.get(n) ?? []), ...(ins.get(n) ?? [])]) hood.set(dependencyKey(d.from, d.to), d);
      const names = [...new Set([...f.classes, ...[...hood.values()].flatMap((d) => [d.from, d.to])])].sort(compareNames);
      const id = new Map(names.map((n, i) => [n, `c${k}_n${i}`]));
      out.push(`  subgraph cluster_${k} {`);
      out.push(`    label=${dotString(`#${k + 1} ${f.verdict}: ${f.classes.join(' -> ')} -> ${f.classes[0]}`)};`);
      out.push(`    color=${f.verdict === 'deadlock' ? '"#c92a2a"' : '"#868e96"'};`);
      for (const n of names) out.push(`    ${id.get(n)} [${nodeAttrs(classes.get(n), n)}${inCycle.has(n) ? ', penwidth=2' : ''}];`);
      const edges = [...hood.values()].sort((x, y) => compareNames(x.from, y.from) || compareNames(x.to, y.to));
      for (const d of edges) {
        const onCycle = inCycle.has(d.from) && inCycle.has(d.to) && f.classes.some((n, j) => n === d.from && f.classes[(j + 1) % f.classes.length] === d.to);
        out.push(`    ${id.get(d.from)} -> ${id.get(d.to)} [${edgeAttrs(d, onCycle ? f.verdict : undefined)}];`);
      }
      out.push('  }');
    });
  }
  out.push('}');
  return out.join('\n') + '\n';
}
