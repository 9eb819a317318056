/**
 * The store's ingest on both engines, in process: every capture once (by
 * content), every rollup the sum of the captures' parts, evidence bounded to
 * the first EVIDENCE_CAPTURES captures, and a re-ingest that changes nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { replayCapture } from '../../src/graph/graphReplay.ts';
import { serializeGraph } from '../../src/graph/graphFile.ts';
import { openStore } from '../../src/store/openStore.ts';
import { loadCapture } from '../../src/store/captureSource.ts';
import { ingestCapture, type WrittenCapture } from '../../src/store/ingestCapture.ts';
import type { CaptureRecord } from '../../src/store/captureRecord.ts';
import { EVIDENCE_CAPTURES, SCHEMA_VERSION } from '../../src/store/schema.ts';
import { ROOT } from '../helpers/cli.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';
import { syntheticGraph, writeSyntheticGraph } from '../helpers/syntheticGraph.ts';
import { snapshot } from '../helpers/storeSnapshot.ts';

const trace = (n: string) => join(ROOT, 'traces', n);
const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-ingest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each trace replayed once for both engines (the records are only read). */
const loaded = new Map<string, Promise<CaptureRecord>>();
const load = (p: string, kernel: string, name?: string): Promise<CaptureRecord> => {
  const key = JSON.stringify([p, kernel, name]);
  if (!loaded.has(key)) loaded.set(key, loadCapture(p, DEFAULT_RUN_OPTIONS, { kernel, ...(name ? { name } : {}) }));
  return loaded.get(key)!;
};

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`store ingest on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('stores each capture once, rollups are the sums of the captures, a re-ingest changes nothing', async () => {
      const db = await openStore(await engine.fresh());
      try {
        expect((await db.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations'))[0].v).toBe(SCHEMA_VERSION);
        const recs: CaptureRecord[] = [];
        for (const n of ['abba-step1.txt.xz', 'abba-step2.txt.xz', 'abba.trace.txt.xz', 'irq_inversion.trace.txt.xz']) recs.push(await load(trace(n), '6.1'));
        const outs = [];
        for (const r of recs) outs.push(await ingestCapture(db, r));
        expect(outs.map((o) => o.status)).toEqual(['new', 'new', 'new', 'new']);
        expect(outs.map((o) => o.captureId)).toEqual([1, 2, 3, 4]);

        // Dependency rollups: per normalised pair, the sum over the captures that have it.
        const want = new Map<string, { o: number; c: number }>();
        for (const r of recs) {
          for (const d of r.dependencies) {
            const w = want.get(`${d.from} ${d.to}`) ?? { o: 0, c: 0 };
            w.o += d.observations;
            w.c++;
            want.set(`${d.from} ${d.to}`, w);
          }
        }
        const rows = await db.query<{ f: string; t: string; observations: number; captures: number; first_capture: number; last_capture: number }>(
          `SELECT a.name AS f, b.name AS t, d.observations, d.captures, d.first_capture, d.last_capture
           FROM dependencies d JOIN classes a ON a.id = d.from_class JOIN classes b ON b.id = d.to_class WHERE d.kernel = ?`, ['6.1']);
        expect(rows.length).toBe(want.size);
        for (const r of rows) expect({ o: r.observations, c: r.captures }).toEqual(want.get(`${r.f} ${r.t}`));
        expect(outs.reduce((s, o) => s + o.newDependencies, 0)).toBe(want.size);

        // The abba deadlock (in abba.trace) and the irq finding, each from one capture.
        const f = await db.query<{ kind: string; title: string; captures: number; occurrences: number; verdict: string }>(
          'SELECT f.kind, f.title, f.captures, f.occurrences, k.verdict FROM findings f JOIN finding_kernels k ON k.finding_id = f.id ORDER BY f.kind');
        expect(f).toEqual([
          { kind: 'circular-dependency', title: 'possible deadlock: lr_mutex_a -> lr_mutex_b -> lr_mutex_a', captures: 1, occurrences: 1, verdict: 'deadlock' },
          expect.objectContaining({ kind: 'inconsistent-irq-state', captures: 1, occurrences: 1, verdict: 'deadlock' }),
        ]);
        const occ = await db.query<{ detail: string }>('SELECT detail FROM finding_occurrences WHERE capture_id = 3');
        expect(JSON.parse(occ[0].detail)[0].dependencies.length).toBe(2);

        // Capture metadata from the replay.
        const [cap] = await db.query<Record<string, string | number | null>>('SELECT * FROM captures WHERE id = 4');
        expect(cap).toMatchObject({ kernel: '6.1', format: 'ftrace', findings: 1, tool_version: expect.any(String), machine: null });
        expect(Number(cap.events)).toBeGreaterThan(0);
        expect(cap.window_first).toMatch(/^\d+\.\d{6}$/);

        // Again, by the same files, renamed, and as the graph file saved from the trace: nothing changes.
        const before = await snapshot(db);
        const again = await ingestCapture(db, await load(trace('abba.trace.txt.xz'), '6.2', 'other name'));
        expect(again).toMatchObject({ status: 'present', captureId: 3, kernel: '6.1' });
        const { graph } = await replayCapture({ ...DEFAULT_RUN_OPTIONS, inputs: [trace('irq_inversion.trace.txt.xz')] }, { kernel: '6.1' });
        writeFileSync(join(tmp, 'irq.graph.json'), serializeGraph(graph));
        expect(await ingestCapture(db, await load(join(tmp, 'irq.graph.json'), '6.1'))).toMatchObject({ status: 'present', captureId: 4 });
        expect(await snapshot(db)).toEqual(before);
      } finally {
        await db.close();
      }
    });

    it('class names are data: quotes, backslashes, braces, commas, "NULL", non-ASCII come back as they went in', async () => {
      const db = await openStore(await engine.fresh());
      try {
        const names = ['a"b', 'c\\d', '{e,f}', 'NULL', '', 'ü ß/1', "it's"];
        const g = syntheticGraph(99, { name: 'names', pool: names.length, classes: names.length, dependencies: 12 });
        const rename = (n: string) => names[Number(n.slice(-4))];
        g.classes.forEach((c) => (c.name = rename(c.name)));
        g.dependencies.forEach((d) => { d.from = rename(d.from); d.to = rename(d.to); d.first.held = d.first.held.map(rename); });
        const p = join(tmp, `names-${engine.name}.json`);
        writeFileSync(p, serializeGraph(g));
        expect((await ingestCapture(db, await load(p, '6.1'))).status).toBe('new');
        const stored = await db.query<{ raw_name: string }>('SELECT raw_name FROM class_aliases');
        expect(stored.map((r) => r.raw_name).sort()).toEqual([...names].sort());
        const ev = await db.query<{ from_name: string; first: string }>('SELECT from_name, first FROM dependency_evidence');
        expect(ev.length).toBe(g.dependencies.length);
        for (const e of ev) expect(JSON.parse(e.first).held).toEqual([e.from_name]);
      } finally {
        await db.close();
      }
    });

    it(`keeps evidence of the first ${EVIDENCE_CAPTURES} captures of a dependency; counts cover them all; kernel versions apart`, async () => {
      const db = await openStore(await engine.fresh());
      try {
        const n = EVIDENCE_CAPTURES + 3;
        const recs: CaptureRecord[] = [];
        for (let i = 0; i < n; i++) {
          const p = join(tmp, `syn-${engine.name}-${i}.json`);
          // A small pool: most dependencies recur in most captures; back edges give findings.
          writeSyntheticGraph(p, 1000 + i, { name: `syn${i}`, pool: 12, classes: 12, dependencies: 40, backEdges: 2 });
          recs.push(await load(p, i < n - 1 ? '6.1' : '6.12'));
        }
        for (const r of recs) expect((await ingestCapture(db, r)).status).toBe('new');
        const deps = await db.query<{ id: number; kernel: string; captures: number; ev: number; evcaps: number }>(
          `SELECT d.id, d.kernel, d.captures, COUNT(e.capture_id) AS ev, COUNT(DISTINCT e.capture_id) AS evcaps
           FROM dependencies d LEFT JOIN dependency_evidence e ON e.dependency_id = d.id GROUP BY d.id, d.kernel, d.captures`);
        expect(deps.some((d) => d.captures > EVIDENCE_CAPTURES)).toBe(true);
        for (const d of deps) expect(d.evcaps).toBe(Math.min(d.captures, EVIDENCE_CAPTURES));
        // The evidence kept is that of the first captures (ingest order) that had the dependency.
        const seenIn = new Map<string, number[]>();
        recs.forEach((r, i) => { for (const d of r.dependencies) seenIn.set(`${r.kernel} ${d.from} ${d.to}`, [...(seenIn.get(`${r.kernel} ${d.from} ${d.to}`) ?? []), i + 1]); });
        const kept = await db.query<{ k: string; f: string; t: string; capture_id: number }>(
          `SELECT DISTINCT d.kernel AS k, a.name AS f, b.name AS t, e.capture_id FROM dependency_evidence e JOIN dependencies d ON d.id = e.dependency_id
           JOIN classes a ON a.id = d.from_class JOIN classes b ON b.id = d.to_class ORDER BY e.capture_id`);
        const keptBy = new Map<string, number[]>();
        for (const r of kept) keptBy.set(`${r.k} ${r.f} ${r.t}`, [...(keptBy.get(`${r.k} ${r.f} ${r.t}`) ?? []), r.capture_id]);
        expect(keptBy.size).toBe(seenIn.size);
        for (const [k, ids] of seenIn) expect(keptBy.get(k)).toEqual(ids.slice(0, EVIDENCE_CAPTURES));
        // 6.12 has its own rollups: its one capture's dependencies, each counted once.
        const k612 = await db.query<{ n: number; c: number; o: number }>('SELECT COUNT(*) AS n, SUM(captures) AS c, SUM(observations) AS o FROM dependencies WHERE kernel = ?', ['6.12']);
        expect(k612[0]).toEqual({ n: recs[n - 1].dependencies.length, c: recs[n - 1].dependencies.length, o: recs[n - 1].dependencies.reduce((s, d) => s + d.observations, 0) });
        // Findings: totals are the sum over captures; details kept for the first captures per kernel version only.
        const caps = await db.query<{ s: number }>('SELECT SUM(findings) AS s FROM captures');
        const fr = await db.query<{ c: number; o: number }>('SELECT SUM(captures) AS c, SUM(occurrences) AS o FROM findings');
        expect(caps[0].s).toBeGreaterThan(0);
        expect(fr[0].c).toBe(caps[0].s);
        expect(fr[0].o).toBe(recs.reduce((s, r) => s + r.findings.reduce((t, f) => t + f.occurrences.length, 0), 0));
        const fk = await db.query<{ finding_id: number; kernel: string; captures: number; details: number }>(
          `SELECT k.finding_id, k.kernel, k.captures, COUNT(o.detail) AS details FROM finding_kernels k
           JOIN finding_occurrences o ON o.finding_id = k.finding_id AND o.kernel = k.kernel GROUP BY k.finding_id, k.kernel, k.captures`);
        for (const k of fk) expect(k.details).toBe(Math.min(k.captures, EVIDENCE_CAPTURES));

        // The afterWrite hook runs inside the transaction: it sees what the capture added, and a throw undoes it all.
        const extra = join(tmp, `syn-${engine.name}-extra.json`);
        writeSyntheticGraph(extra, 4242, { name: 'extra', pool: 16, classes: 16, dependencies: 50 });
        const rec = await load(extra, '6.1');
        const before = await snapshot(db);
        await expect(ingestCapture(db, rec, { afterWrite: async () => { throw new Error('checked and refused'); } })).rejects.toThrow('checked and refused');
        expect(await snapshot(db)).toEqual(before);
        let seen: WrittenCapture | undefined;
        const out = await ingestCapture(db, rec, { afterWrite: async (_tx, w) => { seen = w; } });
        expect(out.newDependencies).toBeGreaterThan(0);
        const fresh = await db.query<{ id: number }>('SELECT id FROM dependencies WHERE first_capture = ? AND kernel = ? ORDER BY id', [out.captureId, '6.1']);
        expect(seen!.newDependencies.map((d) => d.id).sort((a, b) => a - b)).toEqual(fresh.map((r) => r.id));
        expect(seen!.classIds.size).toBe(rec.classes.length);
      } finally {
        await db.close();
      }
    });
  });
}
