/**
 * Cycles across captures (graph/crossCapture): the abba halves as two
 * captures, in either order, give the abba deadlock; what a union of boots
 * cannot know keeps a cycle `unverified` (gate classes, per-boot classes,
 * uncertain state), and a later capture that records a dependency from
 * certain state re-judges the cycle. Small graphs are built here; the abba
 * halves are real captures (traces/README.md says how they were cut).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import { CrossCaptureUnion, CROSS_CAPTURE_CAVEAT, isPerBootClass } from '../../src/graph/crossCapture.ts';
import { replayCapture } from '../../src/graph/graphReplay.ts';
import { DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import type { GraphFile } from '../../src/graph/graphFile.ts';
import { smallGraph as graph } from '../helpers/smallGraph.ts';
import { ROOT } from '../helpers/cli.ts';

async function captureGraph(trace: string, name: string): Promise<GraphFile> {
  return (await replayCapture({ ...DEFAULT_RUN_OPTIONS, workers: 1, inputs: [join(ROOT, trace)] }, { name, kernel: '6.1' })).graph;
}

describe('cross-capture cycles', () => {
  let step1: GraphFile, step2: GraphFile;
  beforeAll(async () => {
    step1 = await captureGraph('traces/abba-step1.txt.xz', 'ci-m1');
    step2 = await captureGraph('traces/abba-step2.txt.xz', 'ci-m2');
  });

  it('finds the abba deadlock from its two halves, in either order, each dependency citing its capture', () => {
    for (const order of [[step1, step2], [step2, step1]]) {
      const u = new CrossCaptureUnion('6.1');
      expect(u.add(order[0])).toEqual([]);
      const found = u.add(order[1]);
      expect(found).toHaveLength(1);
      const f = found[0].finding;
      expect(f.verdict).toBe('deadlock');
      expect(f.classes).toEqual(['lr_mutex_a', 'lr_mutex_b']);
      expect(f.caveats).toContain(CROSS_CAPTURE_CAVEAT);
      expect(found[0].captures).toEqual(['ci-m1', 'ci-m2']);
      const [ab, ba] = f.dependencies;
      expect([ab.from, ab.to, ab.captures, ab.first.comm]).toEqual(['lr_mutex_a', 'lr_mutex_b', ['ci-m1'], 'lr1_abba']);
      expect(ab.first.input).toMatch(/^ci-m1: /);
      expect([ba.from, ba.to, ba.captures, ba.first.comm]).toEqual(['lr_mutex_b', 'lr_mutex_a', ['ci-m2'], 'lr2_abba']);
      expect(ba.first.input).toMatch(/^ci-m2: /);
      // Nothing new when the same halves come again under other names.
      expect(u.add({ ...order[0], captures: order[0].captures.map((c) => ({ ...c, name: `${c.name}-again` })) }).filter((x) => x.finding.verdict === 'deadlock')).toEqual([]);
    }
  });

  it('leaves a cycle one capture shows by itself to that capture', () => {
    const u = new CrossCaptureUnion('6.1');
    u.add(graph('a', [{ from: 'x', to: 'y' }]));
    expect(u.add(graph('b', [{ from: 'y', to: 'z' }, { from: 'z', to: 'y' }]))).toEqual([]);
    expect(u.add(graph('c', [{ from: 'y', to: 'x' }])).map((f) => f.finding.classes)).toEqual([['x', 'y']]);
  });

  it('a gate class held on both sides in different boots is no proof: unverified', () => {
    const u = new CrossCaptureUnion('6.1');
    u.add(graph('a', [{ from: 'x', to: 'y', gates: [['g', '0xffff1000']] }]));
    const [f] = u.add(graph('b', [{ from: 'y', to: 'x', gates: [['g', '0xffff1000']] }]));
    expect(f.finding.verdict).toBe('unverified');
    expect(f.finding.reason).toMatch(/^gate lock across captures: .* a g lock/);
    // Gated on one side only: the other side runs without it, so the gate proves nothing.
    const v = new CrossCaptureUnion('6.1');
    v.add(graph('a', [{ from: 'x', to: 'y', gates: [['g', '0xffff1000']] }]));
    expect(v.add(graph('b', [{ from: 'y', to: 'x' }]))[0].finding.verdict).toBe('deadlock');
  });

  it('a per-boot class (#N, numbered workqueue) entered in one capture and left in another: unverified', () => {
    expect(['x#2', 'x#2/1', '(wq_completion)loop0'].every(isPerBootClass)).toBe(true);
    expect(['x', 'x/1', '(wq_completion)lr_wq', 'rcu_node_0'].some(isPerBootClass)).toBe(false);
    const u = new CrossCaptureUnion('6.1');
    u.add(graph('a', [{ from: 'm', to: 'w#2' }]));
    const [f] = u.add(graph('b', [{ from: 'w#2', to: 'm' }]));
    expect(f.finding.verdict).toBe('unverified');
    expect(f.finding.reason).toMatch(/^per-boot class across captures: w#2 /);
    // Into and out of w#2 in one capture, the rest of the cycle in another: the class is matched within a boot.
    const v = new CrossCaptureUnion('6.1');
    v.add(graph('a', [{ from: 'm', to: 'w#2' }, { from: 'w#2', to: 'n' }]));
    expect(v.add(graph('b', [{ from: 'n', to: 'm' }]))[0].finding.verdict).toBe('deadlock');
    // A union over normalised names (as the store keeps them): w and w#2 are one class there, matched only within a boot.
    const n = new CrossCaptureUnion('6.1', (raw) => raw.replace(/#\d+$/, ''));
    n.add(graph('a', [{ from: 'm', to: 'w#2' }]));
    const [g] = n.add(graph('b', [{ from: 'w', to: 'm' }]));
    expect([g.finding.classes, g.finding.verdict]).toEqual([['m', 'w'], 'unverified']);
  });

  it('re-judges a cycle when a later capture records its uncertain dependency from certain state', () => {
    const u = new CrossCaptureUnion('6.1');
    u.add(graph('a', [{ from: 'x', to: 'y' }]));
    const [first] = u.add(graph('b', [{ from: 'y', to: 'x', clean: false }]));
    expect(first.finding.verdict).toBe('unverified');
    expect(first.finding.dependencies.find((d) => d.from === 'y')?.uncertainOnly).toBe(true);
    const [again] = u.add(graph('c', [{ from: 'y', to: 'x' }]));
    expect(again.finding.verdict).toBe('deadlock');
    expect(again.finding.dependencies.find((d) => d.from === 'y')?.captures).toEqual(['b', 'c']);
    // Nothing changes with a further clean observation.
    expect(u.add(graph('d', [{ from: 'y', to: 'x' }]))).toEqual([]);
  });

  it('a cycle remembered with its verdict only (a capture\'s own, as a store keeps it) is reported only when its verdict changes', () => {
    const u = new CrossCaptureUnion('6.1');
    // Remembered before the capture that holds its dependencies is added: registered once they are there.
    u.remember([{ from: 'x', to: 'y' }, { from: 'y', to: 'x' }], 'unverified', null);
    expect(u.add(graph('a', [{ from: 'x', to: 'y', clean: false }, { from: 'y', to: 'x' }]))).toEqual([]);
    expect(u.add(graph('b', [{ from: 'x', to: 'y', clean: false }]))).toEqual([]);
    expect(u.add(graph('c', [{ from: 'x', to: 'y' }])).map((f) => f.finding.verdict)).toEqual(['deadlock']);
  });

  it('a cycle re-opened from a store is re-judged like one found in this process', () => {
    const u = new CrossCaptureUnion('6.1');
    u.add(graph('a', [{ from: 'x', to: 'y' }]), false);
    u.add(graph('b', [{ from: 'y', to: 'x', clean: false }]), false);
    u.remember([{ from: 'x', to: 'y' }, { from: 'y', to: 'x' }], 'unverified', 'old reason');
    expect(u.add(graph('c', [{ from: 'y', to: 'x' }])).map((f) => f.finding.verdict)).toEqual(['deadlock']);
  });
});
