/**
 * A finished replay as a graph file: every class (with the evidence that first
 * set each usage bit), dependency and recursion with names resolved, evidence
 * tagged with the capture it came from. Instance addresses survive only inside
 * gate candidates (they are compared within one boot).
 */
import type { Replayer } from '../replay/replayer.ts';
import type { Evidence } from './evidence.ts';
import type { InputInfo } from '../analysis/evidenceOut.ts';
import { evidenceOut } from '../analysis/evidenceOut.ts';
import { USAGE_NAMES } from '../analysis/irqUsage.ts';
import { READ_KIND_LETTER, dependencyKinds } from '../analysis/readInterpretation.ts';
import {
  GRAPH_SCHEMA, compareNames, type GraphCapture, type GraphClass, type GraphDependency, type GraphEvidence, type GraphFile, type GraphGate, type GraphPlace,
  type GraphRecursion,
} from './graphFile.ts';
import { idleWorkqueueEdge } from '../analysis/verdicts.ts';

export function usageStrings(bits: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < USAGE_NAMES.length; b++) if (bits & (1 << b)) out.push(USAGE_NAMES[b]);
  return out;
}

/**
 * `inputs` are the replay's inputs in order; `captureOf(i)` names the capture
 * input i belongs to (a plain replay is one capture; a replay over graph files
 * keeps each evidence's own capture through its synthetic inputs).
 */
export function graphFromReplay(
  r: Replayer, inputs: InputInfo[], captures: GraphCapture[], captureOf: (input: number) => { capture: string; input: string },
): GraphFile {
  const evidence = (ev: Evidence): GraphEvidence => {
    const src = captureOf(ev.input);
    const out = evidenceOut(r, inputs, ev);
    // Kept as the data they are printed from (restsOn, provenBy), so a graph judged later prints them again.
    delete out.proven;
    delete out.unproven;
    const o: GraphEvidence = { capture: src.capture, ...out, input: src.input };
    if (ev.seq !== undefined) o.seq = ev.seq;
    if (ev.noContext) o.noContext = true;
    if (ev.restsOn) {
      const { cls, input, pos, why } = ev.restsOn;
      o.restsOn = { ...(cls >= 0 ? { class: r.classes.displayName(cls) } : {}), why, ...place(input, pos) };
    }
    if (ev.provenBy) o.provenBy = place(ev.provenBy.input, ev.provenBy.pos);
    return o;
  };
  const place = (input: number, pos: number): GraphPlace => {
    const src = captureOf(input);
    return { capture: src.capture, input: src.input, ...(inputs[input]?.positions === 'byte' ? { byte: pos } : { line: pos }) };
  };
  const classes: GraphClass[] = [];
  const names: string[] = [];
  const seenClass = new Set<string>();
  for (let c = 0; c < r.classes.count; c++) {
    const name = r.classes.displayName(c);
    names.push(name);
    // Classes never part of a dependency and never marked are still lockdep classes: keep them all.
    if (seenClass.has(name)) continue;
    seenClass.add(name);
    const bits = r.usage.usage(c);
    const cls: GraphClass = { name, usageBits: bits, usage: usageStrings(bits), written: !!r.classes.everWritten[c], read: !!r.classes.everRead[c] };
    if (r.classes.lockStat[c]) cls.lockStat = true;
    if (r.classes.heldAcrossSwitch[c]) cls.heldAcrossSwitch = true;
    if (bits) {
      cls.usageFirst = {};
      for (let b = 0; b < USAGE_NAMES.length; b++) {
        const ev = r.usage.firstSet.get(c * 8 + b);
        if (bits & (1 << b) && ev) cls.usageFirst[USAGE_NAMES[b]] = evidence(ev);
      }
    }
    classes.push(cls);
  }
  const g = r.graph;
  const deps: GraphDependency[] = [];
  for (let e = 0; e < g.size; e++) {
    const gates: GraphGate[] = [];
    const gp = g.gates[e];
    if (gp) for (let k = 0; k < gp.length; k += 2) gates.push({ class: names[gp[k]], instance: r.strings.text(gp[k + 1]) });
    const first = evidence(g.first[e]);
    const fc = g.firstClean[e];
    const d: GraphDependency = {
      from: names[g.from[e]], to: names[g.to[e]], count: g.count[e], clean: g.cleanCount[e], combos: g.combos[e],
      ...(g.refutedCount[e] ? { refuted: g.refutedCount[e] } : {}),
      kinds: dependencyKinds(r.classes, g, e).map(([p, n]) => `${READ_KIND_LETTER[p]}->${READ_KIND_LETTER[n]}`).sort(),
      first, gates, captures: [],
    };
    if (fc) d.firstClean = fc === g.first[e] ? first : evidence(fc);
    if (idleWorkqueue(r, e)) d.idleWorkqueue = true;
    const caps = new Set<string>([first.capture]);
    if (d.firstClean) caps.add(d.firstClean.capture);
    d.captures = [...caps].sort(compareNames);
    deps.push(d);
  }
  const recursions: GraphRecursion[] = r.recursions.map((rc) => {
    const o: GraphRecursion = { class: names[rc.cls], prevRead: rc.prevRaw, nextRead: rc.nextRaw, held: evidence(rc.prev), again: evidence(rc.next) };
    if (rc.uncertain) o.uncertain = true;
    if (rc.crossContext) o.crossContext = true;
    if (rc.refuted) o.refuted = true;
    return o;
  });
  return { schema: GRAPH_SCHEMA, captures, classes, dependencies: deps, recursions };
}

/**
 * Under `--wq-model shared`: a dependency into a `(wq_completion)` class
 * recorded only on workqueue instances that never executed a work item
 * (analysis/verdicts' "workqueue never used" rule, settled here because
 * instances mean nothing outside their boot).
 */
function idleWorkqueue(r: Replayer, e: number): boolean {
  return r.opts.wqModel === 'shared' && idleWorkqueueEdge(r, e);
}
