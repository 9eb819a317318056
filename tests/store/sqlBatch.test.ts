/** insertRows on both engines: many rows, nulls (also a column of nulls only, whatever its type), RETURNING. */
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.ts';
import { insertRows, selectIn } from '../../src/store/sqlBatch.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`insertRows on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('writes every row as given and returns what RETURNING asks for', async () => {
      const db = await openStore(await engine.fresh());
      try {
        await db.exec('CREATE TABLE batch_probe (k BIGINT PRIMARY KEY, n BIGINT, never BIGINT, t TEXT, maybe TEXT)');
        const rows = Array.from({ length: 2500 }, (_, i) => [i, i % 3 ? i * 1000 : null, null, `r${i}'"\\{,}`, i % 2 ? 'x' : null]);
        const back = await db.transaction((tx) => insertRows<{ k: number }>(tx, 'INSERT INTO batch_probe (k, n, never, t, maybe)', rows, 'RETURNING k'));
        expect(back.map((r) => r.k).sort((a, b) => a - b)).toEqual(rows.map((r) => r[0]));
        const got = await db.query<{ k: number; n: number | null; never: number | null; t: string; maybe: string | null }>('SELECT * FROM batch_probe ORDER BY k');
        expect(got.map((r) => [r.k, r.n, r.never, r.t, r.maybe])).toEqual(rows);
        // Upsert through the same path: conflicting rows update.
        await db.transaction((tx) => insertRows(tx, 'INSERT INTO batch_probe (k, n, never, t, maybe)', [[1, 5, null, 'again', null]],
          'ON CONFLICT (k) DO UPDATE SET n = batch_probe.n + excluded.n'));
        const some = await db.transaction((tx) => selectIn<{ k: number; n: number }>(tx, 'SELECT k, n FROM batch_probe WHERE k IN (?*) ORDER BY k', [1, 2]));
        expect(some).toEqual([{ k: 1, n: 1005 }, { k: 2, n: 2000 }]);
      } finally {
        await db.close();
      }
    });
  });
}
