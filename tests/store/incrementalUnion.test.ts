/**
 * Incremental cross-capture ingest (store/crossCaptureIngest.ts) on both
 * engines: each ingest reads only the part of its kernel version's union it
 * can touch (the paths back from its new dependencies,
 * store/closableDependencies.ts, and the found cycles it recorded a dependency
 * of), and must report exactly what it reports reading the whole union from
 * the store: the same cycles found and re-judged, capture after capture, and
 * the same stored cross-capture findings in the end, on seeded random
 * captures with back edges, uncertain dependencies, gate classes and per-boot
 * (#N) classes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.ts';
import { ingestWithCrossCapture, storedCycles, type UnionScope } from '../../src/store/crossCaptureIngest.ts';
import { closableDependencies } from '../../src/store/closableDependencies.ts';
import { captureRecord, type CaptureRecord } from '../../src/store/captureRecord.ts';
import type { StoreEngine } from '../../src/store/engine.ts';
import { unionOf } from '../../src/graph/graphReplay.ts';
import { smallGraph, type DepSpec } from '../helpers/smallGraph.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';
import { prng } from '../../bench/generate.ts';

const CLASSES = ['c00', 'c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08', 'c09', 'c10', 'c11', 'c12', 'c13', 'pb#2', 'pb#3'];

/** Capture i of a seed: a few dependencies, mostly along the class order, some against it, some uncertain or under a gate. */
function randomCapture(seed: number, i: number): DepSpec[] {
  const rnd = prng(seed * 1009 + i);
  const deps = new Map<string, DepSpec>();
  const n = 4 + Math.floor(rnd() * 5);
  while (deps.size < n) {
    let a = Math.floor(rnd() * CLASSES.length), b = Math.floor(rnd() * CLASSES.length);
    if (a > b && rnd() < 0.8) [a, b] = [b, a];
    if (a === b || deps.has(`${a} ${b}`)) continue;
    const d: DepSpec = { from: CLASSES[a], to: CLASSES[b], line: 10 * (deps.size + 1) };
    if (rnd() < 0.3) d.clean = false;
    if (rnd() < 0.15) d.gates = [['g', '0xffff1000']];
    deps.set(`${a} ${b}`, d);
  }
  return [...deps.values()];
}

async function record(name: string, kernel: string, deps: DepSpec[]): Promise<CaptureRecord> {
  const { result, graph } = await unionOf([], smallGraph(name, deps, kernel));
  return captureRecord(graph, result, { name, kernel }, true);
}

/** The reference: every stored dependency and every found cycle of the version. */
const wholeUnion: UnionScope = async (tx, rec) => ({
  dependencies: (await tx.query<{ id: number }>('SELECT id FROM dependencies WHERE kernel = ? ORDER BY id', [rec.kernel])).map((r) => r.id),
  cycles: await storedCycles(tx, rec.kernel),
});

function crossFindings(db: StoreEngine) {
  return db.query<{ ident: string; kernel: string; verdict: string; reason: string | null; cycle: string; captures: string; detail: string }>(
    `SELECT f.ident, x.kernel, x.verdict, x.reason, x.cycle, x.captures, x.detail FROM cross_findings x JOIN findings f ON f.id = x.finding_id
     ORDER BY x.kernel, f.ident`);
}

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`incremental cross-capture ingest on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('reports what reading the whole union reports, capture after capture', async () => {
      const part = await openStore(await engine.fresh()), whole = await openStore(await engine.fresh());
      try {
        let found = 0, rejudged = 0;
        for (const seed of [1, 2]) {
          for (let i = 0; i < 30; i++) {
            const rec = await record(`s${seed}-cap${i}`, `6.1-s${seed}`, randomCapture(seed, i));
            const want = await ingestWithCrossCapture(whole, rec, wholeUnion);
            const got = await ingestWithCrossCapture(part, rec);
            expect(got.crossCapture, `capture ${i} of seed ${seed}`).toEqual(want.crossCapture);
            found += want.crossCapture.found;
            rejudged += want.crossCapture.rejudged;
          }
        }
        const stored = await crossFindings(part);
        expect(stored).toEqual(await crossFindings(whole));
        // The seeds are chosen so the comparison covers what it is about.
        expect(found).toBeGreaterThanOrEqual(10);
        expect(rejudged).toBeGreaterThanOrEqual(3);
        expect(new Set(stored.map((r) => r.verdict))).toEqual(new Set(['deadlock', 'unverified']));
      } finally {
        await part.close();
        await whole.close();
      }
    });

    it('reads only the stored dependencies on a path back from a new dependency', async () => {
      const db = await openStore(await engine.fresh());
      try {
        const rec = (name: string, deps: [string, string][]) => record(name, '6.1', deps.map(([from, to]) => ({ from, to })));
        // A chain a0 -> ... -> a9 with a side branch a2 -> b0 -> b1 -> a3; neither closes anything.
        await ingestWithCrossCapture(db, await rec('chain', Array.from({ length: 9 }, (_, k) => [`a${k}`, `a${k + 1}`] as [string, string])));
        await ingestWithCrossCapture(db, await rec('side', [['a2', 'b0'], ['b0', 'b1'], ['b1', 'a3']]));
        const names = new Map((await db.query<{ id: number; f: string; t: string }>(
          'SELECT d.id, f.name AS f, t.name AS t FROM dependencies d JOIN classes f ON f.id = d.from_class JOIN classes t ON t.id = d.to_class'))
          .map((r) => [r.id, `${r.f} ${r.t}`]));
        /** closableDependencies() for a capture of `deps`, inside its ingest transaction, then rolled back. */
        const closable = async (deps: [string, string][]) => {
          let got: number[] = [];
          await ingestWithCrossCapture(db, await rec(`probe-${deps.flat().join('-')}`, deps), async (tx, r, written) => {
            got = await closableDependencies(tx, r.kernel, written.captureId);
            throw new Error('probe done');
          }).catch((e: Error) => { if (e.message !== 'probe done') throw e; });
          return got.map((id) => names.get(id)).sort();
        };
        // a9 -> a0 closes cycles through the chain and the side branch.
        expect(await closable([['a9', 'a0']])).toEqual(['a0 a1', 'a1 a2', 'a2 a3', 'a2 b0', 'a3 a4', 'a4 a5', 'a5 a6', 'a6 a7', 'a7 a8', 'a8 a9', 'b0 b1', 'b1 a3']);
        expect(await closable([['a9', 'x'], ['x', 'y']])).toEqual([]);
        // a4 -> a2: only the paths a2 ~> a4; x -> a0 and a9 -> y close nothing (a0 reaching a9 is no path back for either).
        expect(await closable([['a4', 'a2'], ['x', 'a0'], ['a9', 'y']])).toEqual(['a2 a3', 'a2 b0', 'a3 a4', 'b0 b1', 'b1 a3']);
        // A path back through new dependencies only: nothing stored to read.
        expect(await closable([['a6', 'q'], ['q', 'a6']])).toEqual([]);
        expect((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM captures'))[0].n).toBe(2);
      } finally {
        await db.close();
      }
    });
  });
}
