/**
 * Eight real `lockreplay ingest` processes at once into one store, on both
 * engines: each capture present exactly once (some are given to two
 * processes), every rollup the sum of the captures' parts, no lock or
 * serialization error reaching the user. And the retry itself: a genuine
 * conflict between two transactions (SQLITE_BUSY / 40001) is retried, never
 * raised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/openStore.ts';
import type { GraphFile } from '../../src/graph/graphFile.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';
import { writeSyntheticGraph } from '../helpers/syntheticGraph.ts';
import { cliAsync } from '../helpers/cliAsync.ts';

const PROCESSES = 8;
const CAPTURES = 16;
const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-concurrency-'));
const graphs: GraphFile[] = [];
const files: string[] = [];

beforeAll(() => {
  for (let i = 0; i < CAPTURES; i++) {
    files.push(join(tmp, `cap${i}.graph.json`));
    // Overlapping classes and dependencies (one pool), two kernel versions, back edges for findings.
    graphs.push(writeSyntheticGraph(files[i], 7000 + i, { name: `cap${i}`, kernel: i % 2 ? '6.12' : '6.1', pool: 120, classes: 60, dependencies: 300, backEdges: 3 }));
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`store under load on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it(`${PROCESSES} ingest processes at once: every capture once, every count the sum of the parts, no error`, async () => {
      const store = await engine.fresh();
      // Process p ingests captures 2p, 2p+1 and 2p+2: every even capture after the first is raced by two processes.
      const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, p) =>
        cliAsync(['ingest', '--store', store, files[2 * p], files[2 * p + 1], files[(2 * p + 2) % CAPTURES]])));
      for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const lines = runs.flatMap((r) => r.stdout.trim().split('\n'));
      expect(lines.length).toBe(PROCESSES * 3);
      expect(lines.filter((l) => /: new capture \d+ /.test(l)).length).toBe(CAPTURES);
      expect(lines.filter((l) => /: already present as capture \d+ /.test(l)).length).toBe(PROCESSES * 3 - CAPTURES);

      const db = await openStore(store);
      try {
        const caps = await db.query<{ name: string; kernel: string }>('SELECT name, kernel FROM captures ORDER BY name');
        expect(caps.map((c) => c.name).sort()).toEqual(graphs.map((g) => g.captures[0].name).sort());
        expect(caps.find((c) => c.name === 'cap1')?.kernel).toBe('6.12');

        const want = new Map<string, { o: number; c: number }>();
        for (const g of graphs) {
          for (const d of g.dependencies) {
            const k = `${g.captures[0].kernel} ${d.from} ${d.to}`;
            const w = want.get(k) ?? { o: 0, c: 0 };
            w.o += d.count;
            w.c++;
            want.set(k, w);
          }
        }
        const rows = await db.query<{ kernel: string; f: string; t: string; observations: number; captures: number }>(
          `SELECT d.kernel, a.name AS f, b.name AS t, d.observations, d.captures FROM dependencies d
           JOIN classes a ON a.id = d.from_class JOIN classes b ON b.id = d.to_class`);
        expect(rows.length).toBe(want.size);
        for (const r of rows) expect({ o: r.observations, c: r.captures }).toEqual(want.get(`${r.kernel} ${r.f} ${r.t}`));

        const classCaptures = await db.query<{ s: number }>('SELECT SUM(captures) AS s FROM class_kernels');
        expect(classCaptures[0].s).toBe(graphs.reduce((s, g) => s + g.classes.length, 0));
        const perCapture = await db.query<{ s: number }>('SELECT SUM(findings) AS s FROM captures');
        const occ = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM finding_occurrences');
        const fk = await db.query<{ s: number }>('SELECT SUM(captures) AS s FROM finding_kernels');
        const f = await db.query<{ s: number }>('SELECT SUM(captures) AS s FROM findings');
        expect(perCapture[0].s).toBeGreaterThan(0);
        expect([occ[0].n, fk[0].s, f[0].s]).toEqual([perCapture[0].s, perCapture[0].s, perCapture[0].s]);
      } finally {
        await db.close();
      }
    });

    it('a genuine write conflict between two transactions is retried, not raised', async () => {
      const store = await engine.fresh();
      const a = await openStore(store, { busyTimeoutMs: 20 });
      const b = await openStore(store, { busyTimeoutMs: 20 });
      try {
        await a.exec('CREATE TABLE retry_probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
        await a.exec('INSERT INTO retry_probe (id, n) VALUES (1, 0)');
        let attempts = 0, arrived = 0;
        let release!: () => void;
        const bothRead = new Promise<void>((r) => (release = r));
        // Read, wait until the other has read too (first attempts only), then write what was read + 1.
        const bump = (db: typeof a) => db.transaction(async (tx) => {
          attempts++;
          const [{ n }] = await tx.query<{ n: number }>('SELECT n FROM retry_probe WHERE id = 1');
          if (++arrived === 2) release();
          await bothRead;
          await tx.exec('UPDATE retry_probe SET n = ? WHERE id = 1', [n + 1]);
        }, { write: false });
        await Promise.all([bump(a), bump(b)]);
        expect((await a.query<{ n: number }>('SELECT n FROM retry_probe'))[0].n).toBe(2);
        expect(attempts).toBeGreaterThanOrEqual(3);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
