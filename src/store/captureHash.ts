/**
 * A capture's identity in the store: the SHA-256 of its graph file
 * serialisation with capture and input names replaced by their positions, so
 * the same capture is the same row however its files are named or where they
 * lie, and whether it comes as the trace or as the graph file saved from it.
 * Kernel version, machine and capture name are labels, not content.
 */
import { createHash } from 'node:crypto';
import { serializeGraph, type GraphEvidence, type GraphFile } from '../graph/graphFile.ts';

export function captureHash(g: GraphFile): string {
  const captureName = new Map<string, string>();
  const inputName = new Map<string, string>();
  g.captures.forEach((c, i) => {
    captureName.set(c.name, `capture ${i}`);
    c.inputs.forEach((x, j) => inputName.set(JSON.stringify([c.name, x.name]), `input ${j}`));
  });
  const ev = (e: GraphEvidence): GraphEvidence => ({
    ...e, capture: captureName.get(e.capture) ?? e.capture, input: inputName.get(JSON.stringify([e.capture, e.input])) ?? e.input,
  });
  const canonical: GraphFile = {
    ...g,
    captures: g.captures.map((c, i) => ({ name: `capture ${i}`, inputs: c.inputs.map((x, j) => ({ name: `input ${j}`, positions: x.positions })) })),
    dependencies: g.dependencies.map((d) => ({
      ...d, first: ev(d.first), ...(d.firstClean ? { firstClean: ev(d.firstClean) } : {}), captures: d.captures.map((c) => captureName.get(c) ?? c),
    })),
  };
  return createHash('sha256').update(serializeGraph(canonical)).digest('hex');
}
