/**
 * Where a finding's verdict is decided. A cycle or recursion is a `deadlock`
 * only when every dependency it needs was recorded with certain held state and
 * no rule shows it cannot happen:
 *  - recursive reads (lockdep's strong-path rule, analysis/readInterpretation),
 *  - gate locks: every dependency recorded under one common lock instance that
 *    is not itself in the cycle (the cpu-up/cpu-down case) -> benign,
 *  - workqueues that never ran a work item, when their classes are shared by
 *    name (pre-5.1 kernels, --wq-model shared) -> benign,
 *  - with the traced boot's /proc/lockdep (--lockdep), an uncertain dependency
 *    lockdep never recorded (analysis/kernelGraphRule) -> benign.
 */
import type { Replayer, RecursionCandidate } from '../replay/replayer.ts';
import type { CycleRecord } from '../graph/cyclePaths.ts';
import type { Finding, FindingDependency, Verdict } from './findings.ts';
import { evidenceOut, type InputInfo } from './evidenceOut.ts';
import { READ_KIND_LETTER, ReadKind, dependencyKinds, interpretRead, isStrongCycle, recursionAllowed, undeterminedReaders, undeterminedReason } from './readInterpretation.ts';
import { explainCycle } from './explanations.ts';
import { USAGE_NAMES } from './irqUsage.ts';
import { isWorkqueueMap } from './knownClasses.ts';
import { dependencyNames, mayJoinInterrupt } from './dependencyFacts.ts';
import { checkAgainstKernel, kernelDiscrepancyCaveat, kernelRefutationReason } from './kernelGraphRule.ts';

export function dependencyOut(r: Replayer, inputs: InputInfo[], e: number): FindingDependency {
  const g = r.graph;
  const kinds = dependencyKinds(r.classes, g, e).map(([p, n]) => `${READ_KIND_LETTER[p]}->${READ_KIND_LETTER[n]}`).sort();
  const d: FindingDependency = {
    from: r.classes.displayName(g.from[e]),
    to: r.classes.displayName(g.to[e]),
    count: g.count[e],
    kinds,
    first: evidenceOut(r, inputs, g.first[e]),
  };
  const fc = g.firstClean[e];
  if (!fc) d.uncertainOnly = true;
  else if (fc !== g.first[e]) d.firstClean = evidenceOut(r, inputs, fc);
  return d;
}

/** A cycle's verdict with its reason: cheap (no evidence built), so several candidate cycles can be weighed. */
export interface CycleJudgement {
  verdict: Verdict;
  reason?: string;
  caveats?: string[];
}

export function cycleVerdict(r: Replayer, c: CycleRecord): CycleJudgement {
  const g = r.graph, classes = r.classes;
  const j: CycleJudgement = { verdict: 'deadlock' };
  const strong = isStrongCycle(c.edges.map((e) => dependencyKinds(classes, g, e, ReadKind.S)));
  // Strong with every undetermined reader taken as shared; is it also strong if they are recursive?
  const strongIfRecursive = strong && isStrongCycle(c.edges.map((e) => dependencyKinds(classes, g, e, ReadKind.R)));
  const uncertain = c.edges.filter((e) => g.cleanCount[e] === 0);
  const refuted = uncertain.filter((e) => g.isRefuted(e));
  const gate = strong ? commonGate(r, c) : undefined;
  const idleWq = strong && gate === undefined && r.opts.wqModel === 'shared' ? neverExecutedWorkqueue(r, c) : undefined;
  // The traced boot's /proc/lockdep (--lockdep): refutes uncertain dependencies lockdep never recorded (analysis/kernelGraphRule).
  const kernel = checkAgainstKernel(r, c.edges);
  if (refuted.length) {
    j.verdict = 'benign';
    j.reason =
      `refuted: ${dependencyNames(r, refuted)} ${refuted.length === 1 ? 'was' : 'were'} recorded only from held entries later shown released unseen ` +
      '(another acquisition of that very lock, a real exclusive one, was seen to complete after the loss), so lockdep never recorded ' +
      (refuted.length === 1 ? 'it' : 'them');
  } else if (!strong) {
    j.verdict = 'benign';
    j.reason = 'recursive read: every way round the cycle passes a recursive-read acquisition followed by a shared one (lockdep\'s strong-path rule); readers cannot block each other there';
  } else if (gate !== undefined) {
    j.verdict = 'benign';
    j.reason = `gate lock: every dependency of the cycle was recorded while holding ${gate} (the same instance), so the two sides can never run at the same time`;
  } else if (idleWq !== undefined) {
    j.verdict = 'benign';
    j.reason = `workqueue never used: ${idleWq} never executed a work item in this capture; with per-name workqueue classes (pre-5.1 kernels) its flush only looks like the live workqueue's`;
  } else if (uncertain.length) {
    j.verdict = 'unverified';
    j.reason =
      `rests on ${uncertain.length} dependenc${uncertain.length === 1 ? 'y' : 'ies'} recorded only while held-lock state was unknown ` +
      `(lost events, or before every CPU's buffer started): ` +
      dependencyNames(r, uncertain);
    const inferred = uncertain.filter((e) => g.first[e].inferred);
    if (inferred.length) j.reason += `; inferred from lost acquisitions (release order), never seen: ${dependencyNames(r, inferred)}`;
  } else if (!strongIfRecursive) {
    j.verdict = 'unverified';
    j.reason = 'read locks: the cycle ' + undeterminedReason(undeterminedReaders(classes, g, c.edges).map((x) => classes.displayName(x)));
  }
  const blind = c.edges.filter((e) => mayJoinInterrupt(r, e));
  if (blind.length && j.verdict === 'deadlock') {
    // Without a flags column an interrupt's locks land on the interrupted task's stack (trap 2):
    // such a dependency may join two contexts lockdep keeps apart, so it is no proof.
    j.verdict = 'unverified';
    j.reason =
      `recorded without irq flags (perf script, or trace-cmd report without -l): ${blind.length} dependenc${blind.length === 1 ? 'y' : 'ies'} ` +
      `may join an interrupt's lock to the interrupted task's: ${dependencyNames(r, blind)}`;
  } else if (blind.length) {
    j.caveats = ['recorded without irq flags: an interrupt\'s locks may have been counted on the interrupted task'];
  }
  if (j.verdict === 'unverified' && kernel.refuted.length) {
    // Only uncertain or irq-blind dependencies are refuted, so a `deadlock` is never changed here.
    j.verdict = 'benign';
    j.reason = kernelRefutationReason(r, kernel.refuted);
  }
  if (kernel.missing.length) (j.caveats ??= []).push(kernelDiscrepancyCaveat(r, kernel.missing));
  return j;
}

/** The finding of a cycle, judged by cycleVerdict() unless the caller already did. */
export function judgeCycle(r: Replayer, inputs: InputInfo[], c: CycleRecord, j = cycleVerdict(r, c)): Finding {
  const closing = r.graph.first[c.closingEdge];
  const f: Finding = {
    kind: 'circular-dependency',
    verdict: j.verdict,
    classes: c.classes.map((x) => r.classes.displayName(x)),
    dependencies: c.edges.map((e) => dependencyOut(r, inputs, e)),
    closingDependency: c.edges.indexOf(c.closingEdge),
    at: { input: closing.input, pos: closing.pos },
  };
  if (j.reason !== undefined) f.reason = j.reason;
  if (j.caveats) f.caveats = j.caveats;
  const ex = explainCycle(f);
  if (ex) f.explanation = ex;
  return f;
}

/** A lock instance held at every recording of every dependency of the cycle, not itself in the cycle. */
function commonGate(r: Replayer, c: CycleRecord): string | undefined {
  let common: number[] | null = null;
  for (const e of c.edges) {
    const g = r.graph.gates[e];
    if (!g) return undefined;
    if (common === null) common = g.slice();
    else {
      const kept: number[] = [];
      for (let k = 0; k < common.length; k += 2) {
        for (let j = 0; j < g.length; j += 2) {
          if (g[j] === common[k] && g[j + 1] === common[k + 1]) {
            kept.push(common[k], common[k + 1]);
            break;
          }
        }
      }
      common = kept;
    }
    if (!common.length) return undefined;
  }
  if (!common) return undefined;
  for (let k = 0; k < common.length; k += 2) {
    if (!c.classes.includes(common[k])) return r.classes.displayName(common[k]);
  }
  return undefined;
}

/**
 * A dependency of the cycle into a `(wq_completion)` class that was only ever
 * recorded on workqueue instances that never executed a work item (a flush or
 * destroy of an unused workqueue, sharing its class with a live one by name).
 */
function neverExecutedWorkqueue(r: Replayer, c: CycleRecord): string | undefined {
  for (const e of c.edges) if (idleWorkqueueEdge(r, e)) return r.classes.displayName(r.graph.to[e]);
  return undefined;
}

/** The dependency goes into a `(wq_completion)` class and was recorded only on instances that never ran a work item. */
export function idleWorkqueueEdge(r: Replayer, e: number): boolean {
  if (!isWorkqueueMap(r.classes.name(r.graph.to[e]))) return false;
  const insts = r.wqEdgeInstances.get(e);
  return !!insts && [...insts].every((i) => !r.workqueues.executedWqInstances.has(i));
}

export function judgeRecursion(r: Replayer, inputs: InputInfo[], rc: RecursionCandidate): Finding | undefined {
  const prev = interpretRead(r.classes, rc.cls, rc.prevRaw);
  const next = interpretRead(r.classes, rc.cls, rc.nextRaw);
  if (recursionAllowed(prev, next)) return undefined;
  // Allowed if its undetermined reads are recursive (read=2): then it is no proof either way.
  const undetermined = recursionAllowed(interpretRead(r.classes, rc.cls, rc.prevRaw, ReadKind.R), interpretRead(r.classes, rc.cls, rc.nextRaw, ReadKind.R));
  const name = r.classes.displayName(rc.cls);
  const f: Finding = {
    kind: 'recursive-locking',
    verdict: 'deadlock',
    classes: [name],
    dependencies: [],
    evidence: [
      { role: 'already holding (first acquisition)', at: evidenceOut(r, inputs, rc.prev) },
      { role: 'trying to acquire the same instance again', at: evidenceOut(r, inputs, rc.next) },
    ],
    explanation: rc.crossContext
      ? `an interrupt takes the very lock instance (${name}) that the code it interrupted holds on this CPU: it spins forever`
      : `the same instance of ${name} is acquired again by the context that holds it` +
        (prev !== 0 || next !== 0 ? ' (read after read: a queued writer in between blocks the second reader)' : ''),
    at: { input: rc.next.input, pos: rc.next.pos },
  };
  if (rc.refuted) {
    f.verdict = 'benign';
    f.reason = 'refuted: the first acquisition was held across lost events and later shown released unseen (another acquisition of that very lock was seen to complete)';
  } else if (rc.uncertain) {
    f.verdict = 'unverified';
    f.reason = 'the first acquisition was recorded while held-lock state was unknown (its release may have been lost)';
  } else if (rc.next.noContext && !r.classes.heldAcrossSwitch[rc.cls]) {
    f.verdict = 'unverified';
    f.reason = 'recorded without irq flags: the second acquisition may be an interrupt on the holder\'s CPU (a different context)';
  } else if (undetermined) {
    f.verdict = 'unverified';
    f.reason = 'read after read: ' + undeterminedReason([name]);
  }
  return f;
}

export function judgeInconsistent(r: Replayer, inputs: InputInfo[], u: Replayer['usage']['inconsistencies'][number]): Finding {
  const name = r.classes.displayName(u.cls);
  const oldName = USAGE_NAMES[u.oldBit], newName = USAGE_NAMES[u.newBit];
  const irqName = u.newBit >= 4 ? 'softirq' : 'hardirq';
  return {
    kind: 'inconsistent-irq-state',
    verdict: 'deadlock',
    classes: [name],
    usage: [oldName, newName],
    dependencies: [],
    evidence: [
      { role: `{${oldName}} state was registered at`, at: evidenceOut(r, inputs, u.oldEvidence) },
      { role: `{${newName}} usage at`, at: evidenceOut(r, inputs, u.newEvidence) },
    ],
    explanation: `inconsistent {${oldName}} -> {${newName}} usage: ${name} is taken in ${irqName} context and also with ${irqName}s enabled; ` +
      `if the ${irqName} arrives on a CPU while the lock is held there, the handler spins on it forever`,
    at: { input: u.newEvidence.input, pos: u.newEvidence.pos },
  };
}

