/**
 * The one model of a finding (design note 7): built once from the replay, then
 * rendered as text, JSON, DOT or HTML. Everything here is plain data with
 * names resolved, so renderers never reach back into replay state.
 */
export type FindingKind =
  | 'circular-dependency'
  | 'recursive-locking'
  | 'inconsistent-irq-state'
  | 'irq-safe-unsafe';

/**
 * deadlock   — lockdep would report it (or would have, had it still been checking).
 * unverified — it rests on state the capture does not show reliably (lost events,
 *              history before every CPU's buffer started): not proof either way.
 * benign     — a rule shows it cannot deadlock (recursive read, gate lock, ...); reason says which.
 * suppressed — a user rule (--rules) silenced it; reason says why.
 */
export type Verdict = 'deadlock' | 'unverified' | 'benign' | 'suppressed';

export const FINDING_KINDS: readonly FindingKind[] = ['circular-dependency', 'recursive-locking', 'inconsistent-irq-state', 'irq-safe-unsafe'];
/** Verdicts from the most to the least trustworthy (the report's order). */
export const VERDICTS: readonly Verdict[] = ['deadlock', 'unverified', 'benign', 'suppressed'];

export interface EvidenceOut {
  input: string;
  line?: number;
  byte?: number;
  /** Seconds, as the trace prints them. */
  ts: string;
  cpu: number;
  pid: number;
  comm: string;
  context: string;
  /** Classes held at that moment, outermost first (at most the innermost 48, graph/evidence EVIDENCE_HELD). */
  held: string[];
  /** Outer held locks left out of `held` ("… N more held"); absent when none were. */
  heldOmitted?: number;
  /** Recorded while the context's held-lock state was not known for sure. */
  uncertain?: boolean;
  /** The dependency was inferred from lost acquisitions, not seen being recorded: how. */
  inferred?: string;
  /** Recorded without irq flags (e.g. perf script): an interrupt cannot be told from the task it interrupted. */
  noIrqFlags?: true;
  /**
   * Call stack of this acquisition when the capture recorded stacks (ftrace stacktrace,
   * trace-cmd -T, perf -g): frames as lockdep prints them, innermost first, tracing frames
   * dropped (analysis/stackOut.ts).
   */
  stack?: string[];
  /** Call stack of the held lock's own acquisition (the dependency's first lock), when known. */
  heldStack?: string[];
  /** Uncertain evidence: the held entry (or acquisition) that makes it so, and why it could not be proven. */
  unproven?: string;
  /** Uncertain when recorded, then proven by the later release of the held entry it rested on. */
  proven?: string;
}

export interface FindingDependency {
  from: string;
  to: string;
  /** How often the dependency was recorded. */
  count: number;
  /** lockdep's dependency kinds seen, e.g. ["E->E", "S->E"]. */
  kinds: string[];
  first: EvidenceOut;
  /** First record made while held state was certain, when it differs from `first`. */
  firstClean?: EvidenceOut;
  /** Never recorded with certain held state. */
  uncertainOnly?: boolean;
  /** Graph inputs (merge, replay of graph files): the captures the dependency was seen in. */
  captures?: string[];
}

export interface Finding {
  /** Stable identity (analysis/findingIdentity, docs/finding-identity.md); set when the findings are finished. */
  id?: string;
  /** One line in lockdep/syzbot style, a function of the ID's key. */
  title?: string;
  kind: FindingKind;
  verdict: Verdict;
  reason?: string;
  /** Further things a reader must know (e.g. recorded without irq context info). */
  caveats?: string[];
  /** Class names in cycle order (circular), or the class concerned. */
  classes: string[];
  /** Lockdep usage states the finding is about: inconsistent-irq-state {old, new}; irq-safe-unsafe `HARDIRQ-safe`, `HARDIRQ-unsafe`. */
  usage?: string[];
  dependencies: FindingDependency[];
  /** Index in `dependencies` of the one whose recording closed the cycle (what lockdep was validating). */
  closingDependency?: number;
  /** Extra evidence for non-cycle findings (the two acquisitions, the two usages). */
  evidence?: { role: string; at: EvidenceOut }[];
  /** A short explanation a kernel developer recognises (reclaim, workqueue flush, irq usage). */
  explanation?: string;
  /**
   * The title syzbot gives such a splat (`possible deadlock in FUNC`, `inconsistent lock state in FUNC`),
   * FUNC the acquiring function from the call stack (analysis/syzbotTitle.ts); absent without stacks.
   */
  syzbotTitle?: string;
  /** The first deadlock in trace order: the one lockdep itself would have printed before turning off. */
  lockdepWouldReportFirst?: boolean;
  /** Sort key: where in the input the problem became visible. */
  at: { input: number; pos: number };
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.at.input !== b.at.input) return a.at.input - b.at.input;
  if (a.at.pos !== b.at.pos) return a.at.pos - b.at.pos;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const x = a.classes.join('\u0000'), y = b.classes.join('\u0000');
  return x < y ? -1 : x > y ? 1 : 0;
}
