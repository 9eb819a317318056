/**
 * Which cycle a closing dependency reports, store against merge: the SETS of
 * circular-dependency finding IDs, not only the verdicts of cycles both
 * report. The store's cross-capture union adds a capture's dependencies in
 * recording order (capture, then event ordinal `seq`), as merge's
 * importGraph() does: in a trace.dat, byte offsets are not in time order (the
 * ring buffer is per CPU), and in byte order another dependency closed the
 * cycle and saw other paths back, so the store reported a cycle merge does not
 * and missed merge's deadlock. On both engines.
 *
 * The store chooses a closing dependency's cycle at the ingest that brings it,
 * with the verdicts known then; merge chooses with every capture known. A
 * later capture that raises a stored dependency (certain, or unrefuted, where
 * every earlier observation was not) makes the closing dependencies after it
 * choose again (the 'raises' cases below); the earlier choice stays a finding.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.ts';
import { ingestWithCrossCapture } from '../../src/store/crossCaptureIngest.ts';
import { captureRecord, type CaptureRecord } from '../../src/store/captureRecord.ts';
import { listFindings } from '../../src/store/findingQueries.ts';
import { findingIdent } from '../../src/store/findingKey.ts';
import type { StoreEngine } from '../../src/store/engine.ts';
import { unionOf } from '../../src/graph/graphReplay.ts';
import type { GraphFile } from '../../src/graph/graphFile.ts';
import { smallGraph } from '../helpers/smallGraph.ts';
import { TEST_ENGINES, type TestEngine } from '../helpers/storeEngines.ts';

/**
 * `paths`: B -> C, C -> A (uncertain), D -> A, D -> B, all clean otherwise.
 * `dat`: a trace.dat-like capture, B -> D recorded first (seq 1, byte 3000 on
 * CPU 1's pages), then A -> B (seq 2, byte 1000 on CPU 0's).
 * In recording order B -> D closes B -> D -> B, then A -> B closes
 * A -> B -> D -> A (clean: deadlock; the path through C is unverified). In
 * byte order A -> B came first, saw only the path through C (unverified), and
 * B -> D's shortest cycle is B -> D -> B: A -> B -> D -> A was never reported.
 */
function paths(): GraphFile {
  return smallGraph('cap1-paths', [{ from: 'B', to: 'C' }, { from: 'C', to: 'A', clean: false }, { from: 'D', to: 'A' }, { from: 'D', to: 'B' }]);
}
function dat(): GraphFile {
  const g = smallGraph('cap2-dat', [{ from: 'B', to: 'D' }, { from: 'A', to: 'B' }]);
  g.captures[0].inputs = [{ name: 'trace.dat', positions: 'byte' }];
  const at = [{ byte: 3000, seq: 1 }, { byte: 1000, seq: 2 }];
  g.dependencies.forEach((d, k) => {
    const { line: _line, ...rest } = d.first;
    d.first = { ...rest, input: 'trace.dat', ...at[k] };
    d.firstClean = d.first;
  });
  return g;
}

/** Refuted-only paths at first; a later capture records A -> C cleanly (the longer cycle becomes a deadlock). */
function refutedPaths(): GraphFile {
  const g = smallGraph('cap1-refuted', [
    { from: 'A', to: 'B', clean: false }, { from: 'B', to: 'X' }, { from: 'A', to: 'C', clean: false }, { from: 'C', to: 'D' }, { from: 'D', to: 'X' },
  ]);
  g.dependencies[0].refuted = 1;
  g.dependencies[2].refuted = 1;
  return g;
}

/** The capture bringing X -> A, which closes both of refutedPaths()' cycles. */
const closingXA = (): GraphFile => smallGraph('cap2-closing', [{ from: 'X', to: 'A' }]);

/** Set entries without their finding IDs. */
const withoutIds = (xs: string[]): string[] => xs.map((x) => x.replace(/^\S+ /, ''));

async function record(g: GraphFile): Promise<CaptureRecord> {
  const { result, graph } = await unionOf([], g);
  return captureRecord(graph, result, { name: g.captures[0].name, kernel: '6.1' }, true);
}

/**
 * Circular-dependency finding IDs (with classes and verdict, for a readable diff) from merge and from a fresh
 * store of `engine`, ingested in this order.
 */
async function bothSets(engine: TestEngine, graphs: GraphFile[]): Promise<{ merge: string[]; store: string[] }> {
  const db = await openStore(await engine.fresh());
  try {
    return await mergeAndStore(db, graphs);
  } finally {
    await db.close();
  }
}

async function mergeAndStore(db: StoreEngine, graphs: GraphFile[]): Promise<{ merge: string[]; store: string[] }> {
  for (const g of graphs) await ingestWithCrossCapture(db, await record(g));
  const merge = (await unionOf([], ...graphs)).result.findings.filter((f) => f.kind === 'circular-dependency')
    .map((f) => `${findingIdent(f.kind, f.classes)} ${f.classes.join(' -> ')}: ${f.verdict}`);
  const store = (await listFindings(db, { kernel: '6.1', kind: 'circular-dependency' }))
    .map((f) => `${f.id} ${f.classes.join(' -> ')}: ${f.kernels[0].verdict}`);
  return { merge: merge.sort(), store: store.sort() };
}

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`which cycle the store reports, against merge, on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('a capture whose byte order is not its event order closes the cycles it closes in merge', async () => {
      const got = await bothSets(engine, [paths(), dat()]);
      // What the comparison is about: merge's deadlock through D, and the 2-cycle B/D.
      expect(withoutIds(got.merge)).toEqual(['A -> B -> D: deadlock', 'B -> D: deadlock']);
      expect(got.store).toEqual(got.merge);
    });

    // When X -> A arrives both cycles through it are benign (a wholly refuted dependency each) and the store chooses
    // the shortest, A -> B -> X. A later capture recording A -> C cleanly raises it: X -> A chooses again and the
    // store reports A -> C -> D -> X, a deadlock, as merge (choosing with every capture known) does. The benign
    // cycle found before stays a finding (a finding never disappears), so the store has it beside merge's.
    it('a capture that raises a stored dependency makes its closing dependencies choose again: merge\'s deadlock is found', async () => {
      const got = await bothSets(engine, [refutedPaths(), closingXA(), smallGraph('cap3-clean', [{ from: 'A', to: 'C' }])]);
      expect(withoutIds(got.merge)).toEqual(['A -> C -> D -> X: deadlock']);
      expect(withoutIds(got.store)).toEqual(['A -> B -> X: benign', 'A -> C -> D -> X: deadlock']);
      for (const m of got.merge) expect(got.store).toContain(m);
    });

    it('a capture that adds an observation the union already had certain raises nothing and finds nothing again', async () => {
      const got = await bothSets(engine, [refutedPaths(), closingXA(), smallGraph('cap3-again', [{ from: 'B', to: 'X' }])]);
      expect(withoutIds(got.store)).toEqual(['A -> B -> X: benign']);
      expect(withoutIds(got.merge)).toEqual(['A -> B -> X: benign']);
    });
  });
}
