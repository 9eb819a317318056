/**
 * The text report of a cycle follows lockdep's header (kernel-semantics §3.11):
 * "<task> is trying to acquire lock: <next> / but task is already holding lock: <prev>",
 * where prev->next is the dependency whose recording closed the cycle.
 */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, replay } from '../helpers/miniTrace.ts';
import { renderText } from '../../src/report/text.ts';

const t1 = task('lr1_txt', 100, 0), t2 = task('lr2_txt', 101, 1);

function header(text: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes('is trying to acquire lock:'));
  return lines.slice(i, i + 4).map((l) => l.trim().replace(/ at \S+$/, ''));
}

describe('text report header of a circular dependency', () => {
  it('names the task whose acquisition closed the cycle (closing edge sorts last)', async () => {
    // A->B first, B->A closes; rotated smallest-first the closing edge is the last one.
    const r = await replay(new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B'));
    expect(header(renderText(r))).toEqual([
      'lr2_txt/101 is trying to acquire lock:', '(A)', 'but task is already holding lock:', '(B)',
    ]);
  });

  // The cycle is rotated smallest-class-first, so the closing dependency can be anywhere in it:
  // the header must name the acquisition that closed the cycle, as lockdep does.
  it('names the task whose acquisition closed the cycle (closing edge sorts first)', async () => {
    const r = await replay(new MiniTrace()
      .acq(t1, 'B').acq(t1, 'A').rel(t1, 'A').rel(t1, 'B')
      .acq(t2, 'A').acq(t2, 'B').rel(t2, 'B').rel(t2, 'A'));
    expect(r.findings[0].at.pos).toBe(18); // the line of lr2_txt's acquire of B
    expect(header(renderText(r))).toEqual([
      'lr2_txt/101 is trying to acquire lock:', '(B)', 'but task is already holding lock:', '(A)',
    ]);
  });
});

describe('text report with many unverified findings', () => {
  it('lists each in one entry of two lines, none dropped; --full prints them all in full', async () => {
    const t = new MiniTrace();
    const n = 25;
    // Each pair: t1 holds y_k across a loss, then takes x_k (uncertain); t2 takes x_k then y_k (certain).
    for (let k = 0; k < n; k++) {
      t.acq(t1, `y_${k}`).raw('CPU:0 [LOST 1 EVENTS]').acq(t1, `x_${k}`).rel(t1, `x_${k}`);
      t.acq(t2, `x_${k}`).acq(t2, `y_${k}`).rel(t2, `y_${k}`).rel(t2, `x_${k}`);
    }
    const r = await replay(t);
    expect(r.findings.filter((f) => f.verdict === 'unverified')).toHaveLength(n);
    const text = renderText(r);
    expect(text.match(/^#\d+ WARNING: /gm)).toBeNull();
    expect(text).toContain('Findings not proven (unverified, benign, suppressed), most trustworthy first; one in full: --finding N or ID');
    expect(text.match(/^ {2}#\d+ unverified \[[0-9a-f]{12}\] possible deadlock: x_\d+ -> y_\d+ -> x_\d+$/gm)).toHaveLength(n);
    expect(text.match(/^ {6}rests on 1 dependency recorded only while held-lock state was unknown/gm)).toHaveLength(n);
    expect(renderText(r, { full: true }).match(/^#\d+ WARNING: /gm)).toHaveLength(n);
  });
});

describe('text report summary of what unverified findings rest on', () => {
  it('counts the uncertain dependencies and names the most used first', async () => {
    const t = new MiniTrace();
    // y -> x recorded only while y's held state was unknown; two certain cycles close through it.
    t.acq(t1, 'y').raw('CPU:0 [LOST 1 EVENTS]').acq(t1, 'x').rel(t1, 'x');
    t.acq(t2, 'x').acq(t2, 'y').rel(t2, 'y').rel(t2, 'x');
    t.acq(t2, 'x').acq(t2, 'z').rel(t2, 'z').rel(t2, 'x');
    const t3 = task('lr3', 103, 1);
    t.acq(t3, 'z').acq(t3, 'y').rel(t3, 'y').rel(t3, 'z');
    const r = await replay(t);
    expect(r.findings.map((f) => f.verdict)).toEqual(['unverified', 'unverified']);
    expect(renderText(r)).toContain(
      'unverified findings rest on 1 dependency recorded only with uncertain held state; most used: y -> x (2)',
    );
  });

  it('says nothing when no finding is unverified', async () => {
    const r = await replay(new MiniTrace()
      .acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B'));
    expect(renderText(r)).not.toContain('unverified findings rest on');
  });
});
