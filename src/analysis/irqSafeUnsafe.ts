/**
 * "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected" and "possible irq lock
 * inversion dependency detected" (kernel-semantics §4.2-4.3): a dependency
 * path from a class with USED_IN_x (taken in x-irq context) to a class with
 * ENABLED_x (taken, or held, with x-irqs enabled). lockdep checks it when an
 * edge is added (check_irq_usage()) and when a usage bit is set
 * (check_usage_forwards()/check_usage_backwards()); both bits and edges only
 * grow, so checking the final graph against the final bits finds the same
 * pairs (lockdep itself stops after its first report).
 *
 * Read rules, as lockdep since v5.10 (exclusive_mask(), usage_accumulate(),
 * usage_match(), and __bfs()'s strong-path rule):
 *  - USED_IN_x_READ of the safe class counts only when the first dependency
 *    holds it for write (a reader in the irq does not wait for a reader);
 *  - ENABLED_x_READ of the unsafe class counts only when the last dependency
 *    does not take it as a recursive reader;
 *  - the path itself is strong: no -(*R)-> followed by -(S*)->.
 * A path over dependencies recorded with certain held state gives `deadlock`;
 * one that needs an uncertain dependency gives `unverified`; with --lockdep, a
 * pair every path of which needs an uncertain dependency lockdep never
 * recorded (analysis/kernelGraphRule) gives `benign` (refuted).
 */
import type { Replayer } from '../replay/replayer.ts';
import type { Finding } from './findings.ts';
import { evidenceOut, type InputInfo } from './evidenceOut.ts';
import { USAGE_NAMES } from './irqUsage.ts';
import { ReadKind, dependencyKinds, undeterminedReaders, undeterminedReason } from './readInterpretation.ts';
import { dependencyOut } from './verdicts.ts';
import { dependencyNames } from './dependencyFacts.ts';
import { checkAgainstKernel, kernelRefutationReason } from './kernelGraphRule.ts';

const STATES = [
  { name: 'HARDIRQ', irq: 'hardirq', usedW: 0, usedR: 1, enW: 2, enR: 3 },
  { name: 'SOFTIRQ', irq: 'softirq', usedW: 4, usedR: 5, enW: 6, enR: 7 },
] as const;

interface Hit {
  path: number[];
  safeBit: number;
  unsafeBit: number;
}

/**
 * Every (safe, unsafe) pair lockdep would report, one finding per pair
 * (hardirq first). Pairs that need a dependency of uncertain state are grouped
 * by the last-recorded dependency of their path, as lockdep checks each new
 * dependency once (check_irq_usage() from check_prev_add()): after a lossy
 * capture, one stale dependency can join dozens of irq-safe classes to dozens
 * of unsafe ones, and one finding per pair would bury the report.
 */
export function findIrqSafeUnsafe(r: Replayer, inputs: InputInfo[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  /** Unverified findings by the last-recorded dependency of their path, and the other pairs through it. */
  const byLast = new Map<number, { f: Finding; others: string[] }>();
  const usage = r.usage;
  const n = usage.bits.length;
  // Undetermined readers taken as shared (finds every pair the kernel could report), and as recursive.
  const optsOf = readOptions(r, ReadKind.S), optsIfRecursive = readOptions(r, ReadKind.R);
  // With --lockdep: uncertain dependencies lockdep never recorded (analysis/kernelGraphRule). Pairs reachable
  // only through them are refuted (benign), found in a last pass; the others are found without them first.
  const kernelRefuted = kernelRefutedDependencies(r);
  const usableIn: Record<Pass, (e: number) => boolean> = {
    clean: (e) => r.graph.cleanCount[e] > 0 && !r.graph.isRefuted(e),
    uncertain: (e) => !r.graph.isRefuted(e) && !kernelRefuted.has(e),
    kernel: (e) => !r.graph.isRefuted(e),
  };
  const byLastRefuted = new Map<number, { f: Finding; others: string[] }>();
  for (const st of STATES) {
    for (let safe = 0; safe < n; safe++) {
      const ub = usage.bits[safe];
      if (!(ub & ((1 << st.usedW) | (1 << st.usedR)))) continue;
      for (const pass of (kernelRefuted.size ? PASSES : PASSES.slice(0, 2))) {
        const clean = pass === 'clean';
        const hits = search(r, safe, ub, st, usableIn[pass], optsOf);
        let ifRecursive: Set<number> | undefined;
        for (const h of hits) {
          const unsafe = h.path.length ? r.graph.to[h.path[h.path.length - 1]] : safe;
          const key = `${safe},${unsafe}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (clean) {
            const f = finding(r, inputs, st, safe, unsafe, h, true);
            ifRecursive ??= new Set(search(r, safe, ub, st, usableIn.clean, optsIfRecursive).map((x) => (x.path.length ? r.graph.to[x.path[x.path.length - 1]] : safe)));
            if (!ifRecursive.has(unsafe)) {
              f.verdict = 'unverified';
              f.reason = 'read locks: the path ' + undeterminedReason(undeterminedReaders(r.classes, r.graph, h.path).map((x) => r.classes.displayName(x)));
            }
            out.push(f);
            continue;
          }
          const last = Math.max(...h.path);
          const groups = pass === 'kernel' ? byLastRefuted : byLast;
          const group = groups.get(last);
          if (group) group.others.push(`${r.classes.displayName(safe)} -> ${r.classes.displayName(unsafe)} (${st.name})`);
          else groups.set(last, { f: pass === 'kernel' ? refutedFinding(r, inputs, st, safe, unsafe, h, kernelRefuted) : finding(r, inputs, st, safe, unsafe, h, false), others: [] });
        }
      }
    }
  }
  for (const { f, others } of [...byLast.values(), ...byLastRefuted.values()]) {
    if (others.length) {
      const shown = others.slice(0, MORE_PAIRS_SHOWN).join(', ');
      (f.caveats ??= []).push(
        `${others.length} more irq-safe -> irq-unsafe pair${others.length === 1 ? '' : 's'} through the same last-recorded dependency: ` +
          shown + (others.length > MORE_PAIRS_SHOWN ? `, ... (${others.length - MORE_PAIRS_SHOWN} more)` : ''),
      );
    }
    out.push(f);
  }
  return out;
}

type Pass = 'clean' | 'uncertain' | 'kernel';
const PASSES: Pass[] = ['clean', 'uncertain', 'kernel'];

/** Uncertain dependencies the kernel's graph (--lockdep) refutes: lockdep never recorded them (analysis/kernelGraphRule). */
function kernelRefutedDependencies(r: Replayer): Set<number> {
  if (!r.opts.kernelGraph) return new Set();
  const all: number[] = [];
  for (let e = 0; e < r.graph.size; e++) if (r.graph.cleanCount[e] === 0) all.push(e);
  return new Set(checkAgainstKernel(r, all).refuted);
}

/** A pair whose every path needs a dependency lockdep never recorded: benign, refuted by the kernel's graph. */
function refutedFinding(
  r: Replayer, inputs: InputInfo[], st: (typeof STATES)[number], safe: number, unsafe: number, h: Hit, kernelRefuted: Set<number>,
): Finding {
  const f = finding(r, inputs, st, safe, unsafe, h, false);
  f.verdict = 'benign';
  f.reason = kernelRefutationReason(r, h.path.filter((e) => kernelRefuted.has(e)));
  return f;
}

/** Read kinds per dependency, computed once: bit0 = prev shared/recursive (S*), bit1 = next recursive (*R). */
function readOptions(r: Replayer, assume: ReadKind.S | ReadKind.R): (e: number) => number[] {
  const cache = new Map<number, number[]>();
  return (e) => {
    let o = cache.get(e);
    if (!o) {
      const s = new Set<number>();
      for (const [p, x] of dependencyKinds(r.classes, r.graph, e, assume)) s.add((p !== ReadKind.E ? 1 : 0) | (x === ReadKind.R ? 2 : 0));
      cache.set(e, (o = [...s].sort()));
    }
    return o;
  };
}

/** Other pairs of a grouped unverified finding named in its caveat. */
const MORE_PAIRS_SHOWN = 8;

/**
 * Breadth-first over (class, "arrived by a recursive-read acquisition") from
 * the safe class; a class other than the start with a matching ENABLED bit is
 * a hit (the shortest path to it). Deterministic: edges in insertion order.
 */
function search(
  r: Replayer, safe: number, safeBits: number, st: (typeof STATES)[number], usable: (e: number) => boolean, optsOf: (e: number) => number[],
): Hit[] {
  const g = r.graph, bits = r.usage.bits;
  const usedW = (safeBits & (1 << st.usedW)) !== 0;
  // state key: cls*2 + arrivedRecursive
  const prevEdge = new Map<number, number>();
  const parent = new Map<number, number>();
  const startBit = new Map<number, number>();
  const queue: number[] = [];
  const hits: Hit[] = [];
  const hitCls = new Set<number>();
  const visit = (key: number, from: number, e: number, sb: number) => {
    if (prevEdge.has(key)) return;
    prevEdge.set(key, e);
    parent.set(key, from);
    startBit.set(key, sb);
    queue.push(key);
  };
  for (const e of g.outEdges(safe)) {
    if (!usable(e)) continue;
    for (const o of optsOf(e)) {
      // USED_IN_x_READ matters only if the first dependency holds the safe class for write.
      const sb = usedW ? st.usedW : !(o & 1) ? st.usedR : -1;
      if (sb < 0) continue;
      visit(g.to[e] * 2 + (o & 2 ? 1 : 0), -1, e, sb);
    }
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const key = queue[qi];
    const cls = key >> 1, arrivedR = (key & 1) === 1;
    if (cls !== safe && !hitCls.has(cls)) {
      const ub = bits[cls] ?? 0;
      const enBit = ub & (1 << st.enW) ? st.enW : !arrivedR && ub & (1 << st.enR) ? st.enR : -1;
      if (enBit >= 0) {
        hitCls.add(cls);
        hits.push({ path: pathTo(prevEdge, parent, key), safeBit: startBit.get(key)!, unsafeBit: enBit });
        continue; // lockdep reports the first unsafe class on a path
      }
    }
    for (const e of g.outEdges(cls)) {
      if (!usable(e)) continue;
      for (const o of optsOf(e)) {
        if (arrivedR && o & 1) continue; // strong path: no -(*R)-> then -(S*)->
        visit(g.to[e] * 2 + (o & 2 ? 1 : 0), key, e, startBit.get(key)!);
      }
    }
  }
  return hits;
}

function pathTo(prevEdge: Map<number, number>, parent: Map<number, number>, key: number): number[] {
  const path: number[] = [];
  for (let k = key; k >= 0; k = parent.get(k)!) path.push(prevEdge.get(k)!);
  return path.reverse();
}

function finding(
  r: Replayer, inputs: InputInfo[], st: (typeof STATES)[number], safe: number, unsafe: number, h: Hit, clean: boolean,
): Finding {
  const classes = r.classes, usage = r.usage;
  const safeName = classes.displayName(safe), unsafeName = classes.displayName(unsafe);
  const safeEv = usage.firstSet.get(safe * 8 + h.safeBit)!;
  const unsafeEv = usage.firstSet.get(unsafe * 8 + h.unsafeBit)!;
  const deps = h.path.map((e) => dependencyOut(r, inputs, e));
  let at = { input: safeEv.input, pos: safeEv.pos };
  const later = (x: { input: number; pos: number }) => {
    if (x.input > at.input || (x.input === at.input && x.pos > at.pos)) at = { input: x.input, pos: x.pos };
  };
  later(unsafeEv);
  for (const e of h.path) later(r.graph.firstClean[e] ?? r.graph.first[e]);
  const chain = [safeName, ...h.path.map((e) => classes.displayName(r.graph.to[e]))].join(' -> ');
  const f: Finding = {
    kind: 'irq-safe-unsafe',
    verdict: clean ? 'deadlock' : 'unverified',
    classes: [safeName, unsafeName],
    usage: [`${st.name}-safe`, `${st.name}-unsafe`],
    dependencies: deps,
    evidence: [
      { role: `${safeName} became ${st.name}-safe {${USAGE_NAMES[h.safeBit]}} at`, at: evidenceOut(r, inputs, safeEv) },
      { role: `${unsafeName} became ${st.name}-unsafe {${USAGE_NAMES[h.unsafeBit]}} at`, at: evidenceOut(r, inputs, unsafeEv) },
      ...h.path.map((e) => ({
        role: `dependency ${classes.displayName(r.graph.from[e])} -> ${classes.displayName(r.graph.to[e])} first recorded at`,
        at: evidenceOut(r, inputs, r.graph.firstClean[e] ?? r.graph.first[e]),
      })),
    ],
    explanation:
      `${st.name}-safe -> ${st.name}-unsafe lock order: ${safeName} is taken in ${st.irq} context, ${unsafeName} is taken with ` +
      `${st.irq}s enabled, and the dependency chain ${chain} exists. If one CPU holds ${unsafeName} with ${st.irq}s enabled while ` +
      `another holds ${safeName} and waits for it, a ${st.irq} on the first CPU that takes ${safeName} deadlocks both. ` +
      `Fix: take ${unsafeName} with ${st.irq}s disabled everywhere (${st.irq === 'hardirq' ? 'spin_lock_irqsave()' : 'spin_lock_bh()'}), ` +
      `or break the dependency.`,
    at,
  };
  if (!clean) {
    const unc = h.path.filter((e) => r.graph.cleanCount[e] === 0);
    f.reason =
      `the path needs ${unc.length} dependenc${unc.length === 1 ? 'y' : 'ies'} recorded only while held-lock state was unknown ` +
      `(lost events, or before every CPU's buffer started): ` +
      dependencyNames(r, unc);
  }
  return f;
}

