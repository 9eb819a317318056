/**
 * Findings as the replay finds them (--stream), the way lockdep prints at the moment of the acquisition:
 * after each replayed batch, every dependency that closed a cycle since the last look, every new
 * same-instance re-acquisition and every new inconsistent irq usage is judged with what the replay knows
 * then (the same judging code as the final report), and handed to the sink once.
 *
 * The final report judges again with the whole capture, and may differ: a later write acquisition makes a
 * class read so far as a reader-only map shared (readInterpretation.ts), a later lost-events marker or
 * buffer start cannot make an earlier dependency uncertain, but a gate lock or an unused workqueue is only
 * known at the end; a longer, better-founded cycle through the same closing dependency may appear later;
 * irq-safe -> irq-unsafe paths are searched at the end only. reconcile() says which: every finding keeps
 * one key (liveKey) from stream to report, so nothing is lost or shown twice.
 */
import type { Replayer } from '../replay/replayer.ts';
import type { InputInfo } from './evidenceOut.ts';
import type { Finding } from './findings.ts';
import { chooseCycle } from './cycleChoice.ts';
import { judgeCycle, judgeInconsistent, judgeRecursion } from './verdicts.ts';
import { CyclePathScratch } from '../graph/cyclePaths.ts';
import { applySuppressions } from './suppressions.ts';
import type { Rules } from './rules.ts';

/**
 * The key a finding keeps between the stream and the final report: kind, and what made it visible (the
 * closing dependency of a cycle, the class and position of a recursion or usage), not the cycle chosen
 * through it, which the end may change.
 */
export function liveKey(f: Finding): string {
  if (f.kind === 'circular-dependency' && f.closingDependency !== undefined) {
    const d = f.dependencies[f.closingDependency];
    return `${f.kind}:${d.from} -> ${d.to}`;
  }
  return `${f.kind}:${f.classes.join(' -> ')}@${f.at.input}:${f.at.pos}`;
}

export interface Reconciled {
  /** Final findings not streamed (judged a finding only at the end, or found at the end). */
  added: Finding[];
  /** Streamed findings whose final verdict or cycle differs: the final form, with the streamed verdict. */
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

  private emit(f: Finding): void {
    const key = liveKey(f);
    if (this.streamed.has(key)) return;
    if (this.rules) applySuppressions([f], this.rules); // the user's suppressions hold for the stream too
    this.streamed.set(key, f);
    this.sink(f);
  }

  get count(): number {
    return this.streamed.size;
  }

  /** How the final report's findings relate to the streamed ones. */
  reconcile(final: Finding[]): Reconciled {
    const out: Reconciled = { added: [], revised: [], withdrawn: [] };
    const seen = new Set<string>();
    for (const f of final) {
      const key = liveKey(f);
      seen.add(key);
      const was = this.streamed.get(key);
      if (!was) out.added.push(f);
      else if (was.verdict !== f.verdict || was.classes.join('\0') !== f.classes.join('\0')) out.revised.push({ finding: f, was });
    }
    for (const [key, f] of this.streamed) if (!seen.has(key)) out.withdrawn.push(f);
    return out;
  }
}
