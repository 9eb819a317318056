/**
 * Migration 6 on both engines: a store of schema 5 (no refuted counts) opens
 * as schema 6, its dependency rows with refuted 0. Observations stored before
 * the migration count as unrefuted, so a cycle through them keeps the older,
 * more cautious verdict (`unverified` where merge says `benign`); the same
 * captures ingested into a new store give merge's verdict.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.ts';
import { ingestWithCrossCapture } from '../../src/store/crossCaptureIngest.ts';
import { captureRecord, type CaptureRecord } from '../../src/store/captureRecord.ts';
import { listFindings } from '../../src/store/findingQueries.ts';
import { SCHEMA_VERSION } from '../../src/store/schema.ts';
import { unionOf } from '../../src/graph/graphReplay.ts';
import type { GraphFile } from '../../src/graph/graphFile.ts';
import { smallGraph } from '../helpers/smallGraph.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';
import { writeSchema5Capture } from './schema5Capture.ts';

/** `stale`: A -> B recorded once, from an A later shown released unseen (refuted); `reverse`: B -> A recorded cleanly. */
function stale(): GraphFile {
  const g = smallGraph('stale', [{ from: 'A', to: 'B', clean: false }]);
  g.dependencies[0].refuted = 1;
  return g;
}
const reverse = () => smallGraph('reverse', [{ from: 'B', to: 'A' }]);

async function record(g: GraphFile): Promise<CaptureRecord> {
  const { result, graph } = await unionOf([], g);
  return captureRecord(graph, result, { name: g.captures[0].name, kernel: '6.1' }, true);
}

const abVerdict = async (db: Parameters<typeof listFindings>[0]) =>
  (await listFindings(db, { kernel: '6.1', kind: 'circular-dependency' })).map((f) => `${f.classes.join(' -> ')} ${f.verdict}`);

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`migration 6 (refuted counts) on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('a schema 5 store migrates; its old observations count as unrefuted (the cautious verdict), new stores give merge\'s', async () => {
      const merged = (await unionOf([], stale(), reverse())).result.findings.map((f) => `${f.classes.join(' -> ')} ${f.verdict}`);
      expect(merged).toEqual(['A -> B benign']);

      const url = await engine.fresh();
      const old = await openStore(url, { schemaUpTo: 5 });
      try {
        await writeSchema5Capture(old, await record(stale()));
        expect((await old.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations'))[0].v).toBe(5);
      } finally {
        await old.close();
      }
      const db = await openStore(url);
      try {
        expect((await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
        expect(await db.query('SELECT observations, refuted FROM dependencies')).toEqual([{ observations: 1, refuted: 0 }]);
        expect(await db.query('SELECT observations, refuted FROM dependency_evidence')).toEqual([{ observations: 1, refuted: 0 }]);
        await ingestWithCrossCapture(db, await record(reverse()));
        expect(await abVerdict(db)).toEqual(['A -> B unverified']);
      } finally {
        await db.close();
      }

      const fresh = await openStore(await engine.fresh());
      try {
        for (const g of [stale(), reverse()]) await ingestWithCrossCapture(fresh, await record(g));
        expect(await fresh.query('SELECT observations, refuted FROM dependencies ORDER BY refuted')).toEqual([{ observations: 1, refuted: 0 }, { observations: 1, refuted: 1 }]);
        expect(await abVerdict(fresh)).toEqual(merged);
      } finally {
        await fresh.close();
      }
    });
  });
}
