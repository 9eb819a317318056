/**
 * Small capture graphs written by hand, for tests of unions and stores: each
 * dependency recorded once, write locks, at increasing lines of one input.
 */
import { GRAPH_SCHEMA, type GraphDependency, type GraphFile } from '../../src/graph/graphFile.ts';

export interface DepSpec { from: string; to: string; clean?: boolean; gates?: [string, string][]; line?: number }

export function smallGraph(capture: string, deps: DepSpec[], kernel = '6.1'): GraphFile {
  const names = new Set<string>();
  const dependencies: GraphDependency[] = deps.map((d, i) => {
    names.add(d.from).add(d.to);
    const first = { capture, input: `${capture}.txt`, line: d.line ?? 10 * (i + 1), ts: '1.000000', cpu: 0, pid: 100 + i, comm: 't', context: `task ${100 + i}`, held: [d.from], ...(d.clean === false ? { uncertain: true } : {}) };
    return {
      from: d.from, to: d.to, count: 1, clean: d.clean === false ? 0 : 1, combos: 1, kinds: ['E->E'], first,
      ...(d.clean === false ? {} : { firstClean: first }),
      gates: (d.gates ?? []).map(([c, inst]) => ({ class: c, instance: inst })), captures: [capture],
    };
  });
  return {
    schema: GRAPH_SCHEMA, captures: [{ name: capture, kernel: kernel, inputs: [{ name: `${capture}.txt`, positions: 'line' }] }],
    classes: [...names].map((name) => ({ name, usageBits: 0, usage: [], written: true, read: false })), dependencies, recursions: [],
  };
}

