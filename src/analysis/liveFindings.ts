/**
 * Findings as the replay finds them (--stream), the way lockdep prints at the moment of the acquisition:
 * after each replayed batch, every dependency that closed a cycle since the last look, every new
 * same-instance re-acquisition and every new inconsistent irq usage is judged with what the replay knows
 * then (the same judging code as the final report), and handed to the sink once.
 *
 * The final report judges again with the whole capture, and may differ: a later lock_contended/lock_acquired
 * shows a class whose reads were undetermined is a real rwlock_t/rw_semaphore (readInterpretation.ts rule 3,
 * its task-context reads are shared), a later lost-events marker or
 * buffer start cannot make an earlier dependency uncertain, but a gate lock or an unused workqueue is only
 * known at the end; a longer, better-founded cycle through the same closing dependency may appear later;
 * irq-safe -> irq-unsafe paths are searched at the end only. reconcile() says which: every finding is
 * streamed with the identity the final report gives it (findingIdentity: `id`, `title`) and keeps its ID from
 * stream to report, so nothing is lost or shown twice.
 */
import type { Replayer } from '../replay/replayer.ts';
import type { InputInfo } from './evidenceOut.ts';
import type { Finding } from './findings.ts';
import { chooseCycle } from './cycleChoice.ts';
import { judgeCycle, judgeInconsistent, judgeRecursion } from './verdicts.ts';
import { CyclePathScratch } from '../graph/cyclePaths.ts';
import { applySuppressions } from './suppressions.ts';
import { withIdentity } from './findingIdentity.ts';
import { addSyzbotTitles } from './syzbotTitle.ts';
import type { Rules } from './rules.ts';

/** A cycle's closing dependency (`from -> to`), which the end may reach by a different cycle; undefined for other kinds. */
function closingOf(f: Finding): string | undefined {
  if (f.kind !== 'circular-dependency' || f.closingDependency === undefined) return undefined;
  const d = f.dependencies[f.closingDependency];
  return `${d.from}\0${d.to}`;
}

export interface Reconciled {
  /** Final findings not streamed (judged a finding only at the end, or found at the end). */
  added: Finding[];
  /**
   * Streamed findings whose final verdict or cycle differs: the final form, with the streamed one (a
   * different cycle through the same closing dependency has a different ID: `was.id` names the streamed one).
   */
  revised: { finding: Finding; was: Finding }[];
  /** Streamed findings the final report does not hold (a later event showed them harmless: allowed read recursion). */
  withdrawn: Finding[];
}

export class LiveFindings {
  private closingSeen = 0;
  private recursionsSeen = 0;
  private usageSeen = 0;
  private readonly streamed = new Map<string, Finding>();
  private readonly scratch = new CyclePathScratch();

  constructor(private readonly sink: (f: Finding) => void, private readonly rules?: Rules) {}

  /** Judges what is new since the last call; `inputs` names every input so far, the current one included. */
  check(r: Replayer, inputs: InputInfo[]): void {
    const g = r.graph;
    for (; this.closingSeen < g.closing.length; this.closingSeen++) {
      const pick = chooseCycle(r, g.closing[this.closingSeen], this.scratch, { truncated: false });
      if (pick) this.emit(judgeCycle(r, inputs, pick.cycle, pick.judgement));
    }
    for (; this.recursionsSeen < r.recursions.length; this.recursionsSeen++) {
      const f = judgeRecursion(r, inputs, r.recursions[this.recursionsSeen]);
      if (f) this.emit(f);
    }
    const inc = r.usage.inconsistencies;
    for (; this.usageSeen < inc.length; this.usageSeen++) this.emit(judgeInconsistent(r, inputs, inc[this.usageSeen]));
  }

  /** Streams a finding once, under its ID, with the identity and syzbot title the final report gives it. */
  private emit(found: Finding): void {
    const f = withIdentity(found);
    if (this.streamed.has(f.id)) return;
    if (this.rules) applySuppressions([f], this.rules); // the user's suppressions hold for the stream too
    addSyzbotTitles([f]);
    this.streamed.set(f.id, f);
    this.sink(f);
  }

  get count(): number {
    return this.streamed.size;
  }

  /** How the final report's findings relate to the streamed ones (by ID; a cycle the end chose instead by its closing dependency). */
  reconcile(final: Finding[]): Reconciled {
    const out: Reconciled = { added: [], revised: [], withdrawn: [] };
    const unmatched = new Map(this.streamed);
    const notStreamed: Finding[] = [];
    for (const f of final) {
      const was = f.id === undefined ? undefined : unmatched.get(f.id);
      if (was) {
        unmatched.delete(was.id!);
        if (was.verdict !== f.verdict) out.revised.push({ finding: f, was });
      } else notStreamed.push(f);
    }
    // a final finding not streamed under its ID: the end chose another cycle through a streamed closing dependency?
    const streamedClosing = new Map<string, Finding>();
    for (const f of unmatched.values()) {
      const c = closingOf(f);
      if (c !== undefined && !streamedClosing.has(c)) streamedClosing.set(c, f);
    }
    for (const f of notStreamed) {
      const c = closingOf(f);
      const was = c === undefined ? undefined : streamedClosing.get(c);
      if (was && unmatched.delete(was.id!)) out.revised.push({ finding: f, was });
      else out.added.push(f);
    }
    out.withdrawn.push(...unmatched.values());
    return out;
  }
}
