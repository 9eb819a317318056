/** Evidence with names resolved, for the finding model. */
import type { Evidence } from '../graph/evidence.ts';
import type { Replayer } from '../replay/replayer.ts';
import type { EvidenceOut } from './findings.ts';
import { stackOut } from './stackOut.ts';

export interface InputInfo {
  name: string;
  /** 'line' for text formats, 'byte' for binary ones. */
  positions: 'line' | 'byte';
}

export function formatTs(ns: number): string {
  const sec = Math.floor(ns / 1e9);
  const rem = ns - sec * 1e9;
  if (rem % 1000 === 0) return `${sec}.${String(rem / 1000).padStart(6, '0')}`;
  return `${sec}.${String(rem).padStart(9, '0')}`;
}

export function evidenceOut(r: Replayer, inputs: InputInfo[], ev: Evidence): EvidenceOut {
  const inp = inputs[ev.input];
  const out: EvidenceOut = {
    input: inp ? inp.name : '?',
    ts: formatTs(ev.tsNs),
    cpu: ev.cpu,
    pid: ev.pid,
    comm: r.strings.text(ev.comm),
    context: r.contexts.describe(ev.ctx),
    held: ev.held.map((c) => r.classes.displayName(c)),
  };
  if (ev.heldOmitted) out.heldOmitted = ev.heldOmitted;
  if (!inp || inp.positions === 'line') out.line = ev.pos;
  else out.byte = ev.pos;
  if (ev.uncertain) out.uncertain = true;
  if (ev.inferred) out.inferred = ev.inferred;
  if (ev.noContext) out.noIrqFlags = true;
  const stack = stackOut(r.stacks, ev.stack);
  if (stack) out.stack = stack;
  const heldStack = stackOut(r.stacks, ev.heldStack);
  if (heldStack) out.heldStack = heldStack;
  const at = (input: number, pos: number) => {
    const i = inputs[input];
    return `${!i || i.positions === 'line' ? 'line' : 'byte'} ${pos}`;
  };
  const rests = ev.restsOn;
  if (rests && ev.provenBy) {
    out.proven = `${r.classes.displayName(rests.cls)} (acquired at ${at(rests.input, rests.pos)}) was released by this context at ` +
      `${at(ev.provenBy.input, ev.provenBy.pos)} with no events lost in between: it was held here`;
  } else if (rests) {
    out.unproven =
      rests.why === 'lost'
        ? `${r.classes.displayName(rests.cls)} (acquired at ${at(rests.input, rests.pos)}) was held across lost events; ` +
          'no release of it followed with no loss in between, so it may have been released unseen'
        : rests.why === 'recovered'
          ? `the acquisition of ${rests.cls >= 0 ? r.classes.displayName(rests.cls) : 'the new lock'} was lost (recovered from lock_contended/lock_acquired): when it happened is unknown`
          : `the class ${rests.cls >= 0 ? r.classes.displayName(rests.cls) + ' ' : ''}was chosen from uncertain held entries of the same name (implicit subclass)`;
  }
  return out;
}
