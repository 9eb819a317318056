/**
 * Graph files (lockreplay/graph@1) generated from a seed, for store tests that
 * need many distinct captures with overlapping dependencies: classes drawn
 * from a shared pool, dependencies mostly in pool order (acyclic), and with
 * `backEdges` dependencies against it (each may close a cycle, so captures
 * carry findings too).
 */
import { writeFileSync } from 'node:fs';
import { GRAPH_SCHEMA, serializeGraph, type GraphDependency, type GraphEvidence, type GraphFile } from '../../src/graph/graphFile.ts';
import { usageStrings } from '../../src/graph/graphFromReplay.ts';
import { prng } from '../../bench/generate.ts';

export interface SyntheticOptions {
  name: string;
  kernel?: string;
  pool?: number;
  classes?: number;
  dependencies?: number;
  backEdges?: number;
}

export function poolClass(i: number): string {
  return `syn_lock_${String(i).padStart(4, '0')}`;
}

export function syntheticGraph(seed: number, o: SyntheticOptions): GraphFile {
  const rnd = prng(seed);
  const pool = o.pool ?? 150, nClasses = Math.min(o.classes ?? 60, pool), nDeps = o.dependencies ?? 200;
  const chosen = new Set<number>();
  while (chosen.size < nClasses) chosen.add(Math.floor(rnd() * pool));
  const ids = [...chosen].sort((a, b) => a - b);
  const input = `${o.name}.txt`;
  const deps = new Map<string, GraphDependency>();
  let line = 10;
  const add = (a: number, b: number) => {
    const from = poolClass(a), to = poolClass(b), key = `${from}\0${to}`;
    const count = 1 + Math.floor(rnd() * 20);
    const have = deps.get(key);
    if (have) {
      have.count += count;
      have.clean += count;
      return;
    }
    line += 1 + Math.floor(rnd() * 50);
    const first: GraphEvidence = {
      capture: o.name, input, line, ts: `${Math.floor(line / 1000)}.${String(line % 1000).padStart(6, '0')}`, cpu: line % 4, pid: 100 + (line % 97),
      comm: 'synthetic', context: `task ${100 + (line % 97)}`, held: [from],
    };
    deps.set(key, { from, to, count, clean: count, combos: 1, kinds: ['E->E'], first, firstClean: first, gates: [], captures: [o.name] });
  };
  for (let k = 0; k < nDeps; k++) {
    const i = Math.floor(rnd() * (ids.length - 1));
    const j = i + 1 + Math.floor(rnd() * Math.min(8, ids.length - 1 - i));
    add(ids[i], ids[j]);
  }
  for (let k = 0; k < (o.backEdges ?? 0); k++) {
    const i = 1 + Math.floor(rnd() * (ids.length - 1));
    add(ids[i], ids[Math.max(0, i - 1 - Math.floor(rnd() * 3))]);
  }
  const capture = { name: o.name, inputs: [{ name: input, positions: 'line' as const }], ...(o.kernel !== undefined ? { kernel: o.kernel } : {}) };
  return {
    schema: GRAPH_SCHEMA, captures: [capture],
    classes: ids.map((i) => ({ name: poolClass(i), usageBits: 0, usage: usageStrings(0), written: true, read: false })),
    dependencies: [...deps.values()],
    recursions: [],
  };
}

export function writeSyntheticGraph(path: string, seed: number, o: SyntheticOptions): GraphFile {
  const g = syntheticGraph(seed, o);
  writeFileSync(path, serializeGraph(g));
  return g;
}
