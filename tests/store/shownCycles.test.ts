/**
 * A cycle a capture shows by itself is re-judged in the store when other
 * captures record its dependencies (migration 7, finding_kernels.cycle), as
 * `merge` judges the same captures: a dependency refuted or uncertain in the
 * capture that showed the cycle, recorded cleanly by another, makes it a
 * `deadlock`. Its verdict only rises, and only where another capture
 * contributed. On both engines; small graphs written here (tests/helpers/smallGraph).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.ts';
import { ingestWithCrossCapture } from '../../src/store/crossCaptureIngest.ts';
import { captureRecord, type CaptureRecord } from '../../src/store/captureRecord.ts';
import { listFindings } from '../../src/store/findingQueries.ts';
import type { StoreEngine } from '../../src/store/engine.ts';
import { unionOf } from '../../src/graph/graphReplay.ts';
import type { GraphFile } from '../../src/graph/graphFile.ts';
import { smallGraph } from '../helpers/smallGraph.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';

/** Each boot's graph: A -> B refuted / uncertain / under gate g, B -> A clean (the cycle alone); or one more A -> B. */
const GRAPHS: Record<string, () => GraphFile> = {
  refutedCycle: () => {
    const g = smallGraph('refutedCycle', [{ from: 'A', to: 'B', clean: false }, { from: 'B', to: 'A' }]);
    g.dependencies[0].refuted = 1;
    return g;
  },
  refutedCycleAgain: () => {
    const g = smallGraph('refutedCycleAgain', [{ from: 'A', to: 'B', clean: false, line: 70 }, { from: 'B', to: 'A', line: 80 }]);
    g.dependencies[0].refuted = 1;
    return g;
  },
  uncertainCycle: () => smallGraph('uncertainCycle', [{ from: 'A', to: 'B', clean: false }, { from: 'B', to: 'A' }]),
  gatedCycle: () => smallGraph('gatedCycle', [{ from: 'A', to: 'B', gates: [['g', '0xffff1000']] }, { from: 'B', to: 'A', gates: [['g', '0xffff1000']] }]),
  cleanAB: () => smallGraph('cleanAB', [{ from: 'A', to: 'B', line: 50 }]),
  unrelated: () => smallGraph('unrelated', [{ from: 'C', to: 'D', line: 60 }]),
};

async function record(g: GraphFile): Promise<CaptureRecord> {
  const { result, graph } = await unionOf([], g);
  return captureRecord(graph, result, { name: g.captures[0].name, kernel: '6.1' }, true);
}

const isAB = (f: { kind: string; classes: string[] }) => f.kind === 'circular-dependency' && [...f.classes].sort().join() === 'A,B';

async function mergeVerdict(names: string[]): Promise<string[]> {
  return (await unionOf([], ...names.map((n) => GRAPHS[n]()))).result.findings.filter(isAB).map((f) => f.verdict);
}

/** The A/B cycle in the store: its version's verdict, and its judgement across captures if any. */
async function storeView(db: StoreEngine): Promise<string[]> {
  return (await listFindings(db, { kernel: '6.1' })).filter(isAB).map((f) => {
    const k = f.kernels[0];
    return k.crossCapture ? `${k.verdict} (across ${k.crossCapture.captures.join(', ')}: ${k.crossCapture.verdict})` : k.verdict;
  });
}

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`cycles captures showed by themselves, re-judged on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('give merge\'s verdict once other captures record their dependencies, in either order', async () => {
      const cases: { names: string[]; want: string }[] = [
        { names: ['refutedCycle'], want: 'benign' },
        { names: ['refutedCycle', 'unrelated'], want: 'benign' },
        { names: ['refutedCycle', 'cleanAB'], want: 'deadlock (across cleanAB, refutedCycle: deadlock)' },
        { names: ['cleanAB', 'refutedCycle'], want: 'deadlock (across cleanAB, refutedCycle: deadlock)' },
        // Refuted in every observation of both captures that show it: still benign, nothing judged across them.
        { names: ['refutedCycle', 'refutedCycleAgain'], want: 'benign' },
        { names: ['uncertainCycle', 'cleanAB'], want: 'deadlock (across cleanAB, uncertainCycle: deadlock)' },
        { names: ['cleanAB', 'uncertainCycle'], want: 'deadlock (across cleanAB, uncertainCycle: deadlock)' },
        // A gate lock instance is one lock within its boot: alone the cycle is benign; another boot's ungated A -> B is a deadlock.
        { names: ['gatedCycle'], want: 'benign' },
        // (A judgement across captures cites the capture of each dependency's evidence: here gatedCycle's clean A -> B came first.)
        { names: ['gatedCycle', 'cleanAB'], want: 'deadlock (across gatedCycle: deadlock)' },
      ];
      for (const { names, want } of cases) {
        const db = await openStore(await engine.fresh());
        try {
          for (const n of names) await ingestWithCrossCapture(db, await record(GRAPHS[n]()));
          expect({ merge: await mergeVerdict(names), store: await storeView(db) }, names.join(', '))
            .toEqual({ merge: [want.split(' ')[0]], store: [want] });
        } finally {
          await db.close();
        }
      }
    });

    it('a cycle the capture\'s rules suppressed stays suppressed (the union applies no rules)', async () => {
      const db = await openStore(await engine.fresh());
      try {
        const rec = await record(GRAPHS.refutedCycle());
        // As `ingest --rules` leaves a finding a rule matched (analysis/suppressions).
        for (const f of rec.findings) f.verdict = 'suppressed';
        await ingestWithCrossCapture(db, rec);
        const out = await ingestWithCrossCapture(db, await record(GRAPHS.cleanAB()));
        expect(out.crossCapture).toEqual({ found: 0, rejudged: 0, deadlocks: 0 });
        expect(await storeView(db)).toEqual(['suppressed']);
      } finally {
        await db.close();
      }
    });

    it('a row from before migration 7 (no cycle) is re-judged once a capture shows the cycle again', async () => {
      const db = await openStore(await engine.fresh());
      try {
        await ingestWithCrossCapture(db, await record(GRAPHS.refutedCycle()));
        await db.exec('UPDATE finding_kernels SET cycle = NULL');
        await ingestWithCrossCapture(db, await record(GRAPHS.cleanAB()));
        expect(await storeView(db)).toEqual(['benign']);
        const out = await ingestWithCrossCapture(db, await record(GRAPHS.refutedCycleAgain()));
        expect(out.crossCapture).toEqual({ found: 0, rejudged: 1, deadlocks: 1 });
        expect(await storeView(db)).toEqual(['deadlock (across cleanAB, refutedCycle: deadlock)']);
        expect(await mergeVerdict(['refutedCycle', 'cleanAB', 'refutedCycleAgain'])).toEqual(['deadlock']);
      } finally {
        await db.close();
      }
    });
  });
}
