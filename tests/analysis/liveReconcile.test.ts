/**
 * How the final report relates to what was streamed (analysis/liveFindings.ts reconcile()): by finding ID,
 * and a cycle the end chose instead through a streamed closing dependency is that finding revised (its ID
 * changes with its classes), never "withdrawn" plus "found at the end".
 */
import { describe, expect, it } from 'vitest';
import { LiveFindings } from '../../src/analysis/liveFindings.ts';
import type { EvidenceOut, Finding, Verdict } from '../../src/analysis/findings.ts';
import { withIdentity } from '../../src/analysis/findingIdentity.ts';

const at = (line: number): EvidenceOut => ({ input: 't', ts: `10.${line}`, cpu: 0, pid: 1, comm: 'x', context: 'task 1', held: [], line });

/** A cycle through `classes`, closed by its last dependency (last class -> first). */
function cycle(classes: string[], verdict: Verdict, pos: number): Finding {
  const dependencies = classes.map((from, i) => ({ from, to: classes[(i + 1) % classes.length], count: 1, kinds: ['E->E'], first: at(pos + i) }));
  return { kind: 'circular-dependency', verdict, classes, dependencies, closingDependency: classes.length - 1, at: { input: 0, pos } };
}

function streamedAll(fs: Finding[]): { live: LiveFindings; sunk: Finding[] } {
  const sunk: Finding[] = [];
  const live = new LiveFindings((f) => sunk.push(f));
  for (const f of fs) (live as unknown as { emit(f: Finding): void }).emit(f);
  return { live, sunk };
}

describe('live findings against the final report', () => {
  it('streams each ID once, with the identity the final report gives it', () => {
    const { live, sunk } = streamedAll([cycle(['A', 'B'], 'deadlock', 1), cycle(['B', 'A'], 'deadlock', 5)]);
    expect(sunk).toHaveLength(1); // the same cycle entered from B is the same finding
    expect(sunk[0]).toMatchObject(withIdentity(cycle(['A', 'B'], 'deadlock', 1)));
    expect(live.count).toBe(1);
  });

  it('same ID, other verdict: revised; a streamed ID the end does not hold: withdrawn; a new one: found at the end', () => {
    const { live } = streamedAll([cycle(['A', 'B'], 'unverified', 1), cycle(['C', 'D'], 'deadlock', 10)]);
    const final = [withIdentity(cycle(['A', 'B'], 'deadlock', 1)), withIdentity(cycle(['E', 'F'], 'deadlock', 20))];
    const rec = live.reconcile(final);
    expect(rec.revised.map((r) => [r.was.verdict, r.finding.verdict, r.was.id === r.finding.id])).toEqual([['unverified', 'deadlock', true]]);
    expect(rec.withdrawn.map((f) => f.classes)).toEqual([['C', 'D']]);
    expect(rec.added.map((f) => f.classes)).toEqual([['E', 'F']]);
  });

  it('another cycle through the same closing dependency: revised, naming the streamed ID', () => {
    const { live } = streamedAll([cycle(['A', 'B'], 'unverified', 1)]);
    // the end's better-founded cycle A -> X -> B -> A, closed by the same B -> A
    const longer = withIdentity(cycle(['A', 'X', 'B'], 'deadlock', 1));
    const rec = live.reconcile([longer]);
    expect(rec.added).toEqual([]);
    expect(rec.withdrawn).toEqual([]);
    expect(rec.revised).toHaveLength(1);
    expect(rec.revised[0].finding.id).toBe(longer.id);
    expect(rec.revised[0].was.id).toBe(withIdentity(cycle(['A', 'B'], 'unverified', 1)).id);
    expect(rec.revised[0].was.id).not.toBe(longer.id);
  });
});
