/** A capture's content hash: names of the capture and its inputs left out, wherever evidence sits; content in. */
import { describe, expect, it } from 'vitest';
import { captureHash } from '../../src/store/captureHash.ts';
import type { GraphFile } from '../../src/graph/graphFile.ts';
import { syntheticGraph } from '../helpers/syntheticGraph.ts';

/** The same graph as if its capture and input had other names (also inside evidence the graph schema may add). */
function renamed(g: GraphFile, capture: string, input: string): GraphFile {
  const c = JSON.parse(JSON.stringify(g)) as GraphFile;
  const ev = (e: { capture: string; input: string }) => Object.assign(e, { capture, input });
  c.captures[0].name = capture;
  c.captures[0].inputs[0].name = input;
  for (const d of c.dependencies) {
    ev(d.first);
    if (d.firstClean) ev(d.firstClean);
    d.captures = [capture];
  }
  for (const k of c.classes as unknown as { usageFirst?: Record<string, { capture: string; input: string }> }[]) for (const e of Object.values(k.usageFirst ?? {})) ev(e);
  return c;
}

describe('capture content hash', () => {
  const g = syntheticGraph(3, { name: 'boot-1', kernel: '6.1', pool: 20, classes: 10, dependencies: 30 });
  // Evidence in a record the hash does not know by name: still anonymised.
  (g.classes[0] as unknown as { usageFirst: unknown }).usageFirst = { 'IN-HARDIRQ-W': { ...g.dependencies[0].first } };

  it('is the same whatever the capture, its inputs and its kernel are called', () => {
    const other = renamed(g, 'boot-2 on another machine', '/var/tmp/trace.dat');
    other.captures[0].kernel = '6.12';
    expect(captureHash(other)).toBe(captureHash(g));
  });

  it('changes with the content', () => {
    const c = JSON.parse(JSON.stringify(g)) as GraphFile;
    c.dependencies[0].count++;
    expect(captureHash(c)).not.toBe(captureHash(g));
    const d = JSON.parse(JSON.stringify(g)) as GraphFile;
    d.dependencies[1].first.line!++;
    expect(captureHash(d)).not.toBe(captureHash(g));
  });
});
