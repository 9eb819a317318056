/**
 * A capture's identity in the store: the SHA-256 of its graph file
 * serialisation with capture and input names replaced by their positions, so
 * the same capture is the same row however its files are named or where they
 * lie, and whether it comes as the trace or as the graph file saved from it.
 * Kernel version, machine and capture name are labels, not content.
 *
 * Names are replaced wherever evidence sits (dependencies, class usage,
 * recursions, whatever a graph schema adds): every record holding a
 * `capture` name, and its `input`, and every `captures` list of names.
 */
import { createHash } from 'node:crypto';
import { serializeGraph, type GraphFile } from '../graph/graphFile.ts';

export function captureHash(g: GraphFile): string {
  const captureName = new Map<string, string>();
  const inputName = new Map<string, string>();
  g.captures.forEach((c, i) => {
    captureName.set(c.name, `capture ${i}`);
    c.inputs.forEach((x, j) => inputName.set(JSON.stringify([c.name, x.name]), `input ${j}`));
  });
  const anon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(anon);
    if (v === null || typeof v !== 'object') return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = k === 'capture' || k === 'input' ? x : anon(x);
    if (typeof o.capture === 'string') {
      if (typeof o.input === 'string') o.input = inputName.get(JSON.stringify([o.capture, o.input])) ?? o.input;
      o.capture = captureName.get(o.capture) ?? o.capture;
    }
    if (Array.isArray(o.captures) && o.captures.every((c) => typeof c === 'string')) o.captures = o.captures.map((c: string) => captureName.get(c) ?? c);
    return o;
  };
  const canonical = {
    ...(anon({ ...g, captures: [] }) as GraphFile),
    captures: g.captures.map((c, i) => ({ ...c, name: `capture ${i}`, kernel: undefined, inputs: c.inputs.map((x, j) => ({ ...x, name: `input ${j}` })) })),
  };
  return createHash('sha256').update(serializeGraph(canonical)).digest('hex');
}
