/**
 * The store's questions on both engines (in process; the commands' own parts
 * through the real CLI): cycles across
 * captures (the abba halves as two captures give the abba deadlock with the
 * single-capture ID), findings with their filters, one finding with its
 * evidence, kernel-diff's exit code, and the KCIDB export validated against
 * KCIDB's schema (tests/store/kcidbSchema.ts) with its issue versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROOT, cli } from '../helpers/cli.ts';
import { TEST_ENGINES } from '../helpers/storeEngines.ts';
import { smallGraph } from '../helpers/smallGraph.ts';
import { serializeGraph } from '../../src/graph/graphFile.ts';
import { KCIDB_V5_SUBSET } from './kcidbSchema.ts';
import { openStore } from '../../src/store/openStore.ts';
import { listFindings, type FindingFilter } from '../../src/store/findingQueries.ts';
import { diffKernels } from '../../src/store/kernelDiff.ts';
import { exportKcidb } from '../../src/store/kcidbExport.ts';
import { loadCapture } from '../../src/store/captureSource.ts';
import { ingestWithCrossCapture } from '../../src/store/crossCaptureIngest.ts';
import type { CaptureRecord } from '../../src/store/captureRecord.ts';
import type { StoreEngine } from '../../src/store/engine.ts';
import { DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';

const trace = (n: string) => join(ROOT, 'traces', n);
const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-queries-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const p = cli(...args);
  expect(p.stderr, args.join(' ')).toBe('');
  return p;
}

function json<T = any>(...args: string[]): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(run(...args).stdout) as T;
}

function graphFile(name: string, g: ReturnType<typeof smallGraph>): string {
  const p = join(tmp, `${name}.graph.json`);
  writeFileSync(p, serializeGraph(g));
  return p;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)));
ajv.addFormat('uri', (s: string) => { try { return !!new URL(s); } catch { return false; } });
const validKcidb = ajv.compile(KCIDB_V5_SUBSET);

/** Each capture replayed once for both engines (the records are only read). */
const loaded = new Map<string, Promise<CaptureRecord>>();
function record(path: string, kernel: string, name?: string): Promise<CaptureRecord> {
  const key = JSON.stringify([path, kernel, name]);
  if (!loaded.has(key)) loaded.set(key, loadCapture(path, DEFAULT_RUN_OPTIONS, { kernel, ...(name ? { name } : {}) }));
  return loaded.get(key)!;
}

/** Ingests in this process (each capture reads the part of its union it needs from the store, as a new process does). */
async function ingest(store: StoreEngine, rec: Promise<CaptureRecord>, labels: Partial<CaptureRecord> = {}) {
  return ingestWithCrossCapture(store, { ...(await rec), ...labels });
}

let abbaId = '';
beforeAll(async () => {
  const single = await openStore(join(tmp, 'single.db'));
  try {
    await ingest(single, record(trace('abba.trace.txt.xz'), '6.1'));
    abbaId = (await listFindings(single)).find((f) => [...f.classes].sort().join() === 'lr_mutex_a,lr_mutex_b')!.id;
  } finally {
    await single.close();
  }
});

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`store queries on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('the abba halves, ingested as two captures, give one cross-capture deadlock with the abba ID', async () => {
      const store = await engine.fresh();
      const db = await openStore(store);
      try {
        const i1 = await ingest(db, record(trace('abba-step1.txt.xz'), '6.1', 'ci-m1'), { buildId: 'ci:build-1', testId: 'ci:test-1' });
        expect(i1.crossCapture).toEqual({ found: 0, rejudged: 0, deadlocks: 0 });
        const i2 = await ingest(db, record(trace('abba-step2.txt.xz'), '6.1', 'ci-m2'), { buildId: 'ci:build-2' });
        expect(i2.crossCapture).toEqual({ found: 1, rejudged: 0, deadlocks: 1 });
        const list = await listFindings(db);
        expect(list.map((f) => [f.id, f.verdict])).toEqual([[abbaId, 'deadlock']]);
        expect(list[0].kernels[0].crossCapture).toEqual({ verdict: 'deadlock', captures: ['ci-m1', 'ci-m2'] });
      } finally {
        await db.close();
      }
      const shown = json<any>('finding', abbaId.slice(0, 8), '--store', store, '--format', 'json');
      expect(shown.id).toBe(abbaId);
      expect(shown.occurrences).toEqual([]);
      const [x] = shown.crossCapture;
      expect(x.captures.map((c: { name: string }) => c.name)).toEqual(['ci-m1', 'ci-m2']);
      expect(x.finding.dependencies.map((d: any) => [d.from, d.to, d.captures, d.first.input.split(':')[0]]))
        .toEqual([['lr_mutex_a', 'lr_mutex_b', ['ci-m1'], 'ci-m1'], ['lr_mutex_b', 'lr_mutex_a', ['ci-m2'], 'ci-m2']]);
      const text = run('finding', abbaId, '--store', store).stdout;
      expect(text).toMatch(/across captures of 6\.1: deadlock \(found when ci-m2 was ingested; from ci-m1, ci-m2\)/);
      expect(text).toMatch(/ci-m1: \S*traces\/abba-step1\.txt\.xz:\d+ ts [\d.]+ cpu \d lr1_abba\/\d+/);
      // The KCIDB export: one issue, one incident per capture the cycle came from, each linked to its build.
      const kdb = await openStore(store);
      const k = await exportKcidb(kdb).finally(() => kdb.close());
      expect(validKcidb(k), JSON.stringify(validKcidb.errors)).toBe(true);
      expect(k.issues.map((i) => [i.id, i.version, i.origin, i.report_subject, i.culprit.code]))
        .toEqual([[`lockreplay:${abbaId}`, 1, 'lockreplay', 'possible deadlock: lr_mutex_a -> lr_mutex_b -> lr_mutex_a', true]]);
      expect(k.incidents.map((i) => [i.issue_id, i.build_id, i.test_id, i.misc.capture])).toEqual([
        [`lockreplay:${abbaId}`, 'ci:build-1', 'ci:test-1', 'ci-m1'],
        [`lockreplay:${abbaId}`, 'ci:build-2', undefined, 'ci-m2'],
      ]);
      expect(cli('finding', 'ffffffffffff', '--store', store)).toMatchObject({ status: 2, stderr: expect.stringMatching(/^lockreplay: store .*: no finding ffffffffffff in this store\n$/) });
    });

    it('filters findings, compares kernel versions with diff\'s exit code, bumps KCIDB issue versions on a verdict change', async () => {
      const store = await engine.fresh();
      // Kernel "1": x -> y; y -> x only from uncertain state (unverified), and an irq scenario of its own.
      const db = await openStore(store);
      try {
        await ingest(db, record(graphFile('k1a', smallGraph('k1a', [{ from: 'x', to: 'y' }, { from: 'y', to: 'x', clean: false }], '1')), '1'));
        await ingest(db, record(trace('irq_inversion.trace.txt.xz'), '1'));
        // Kernel "2": the same cycle recorded for certain (a deadlock there), and p -> q -> p only in "2".
        await ingest(db, record(graphFile('k2a', smallGraph('k2a', [{ from: 'x', to: 'y' }, { from: 'y', to: 'x' }, { from: 'p', to: 'q' }, { from: 'q', to: 'p' }], '2')), '2'));
        const all = await listFindings(db);
        const byTitle = new Map(all.map((f) => [f.title, f]));
        const xy = byTitle.get('possible deadlock: x -> y -> x')!, pq = byTitle.get('possible deadlock: p -> q -> p')!;
        expect(xy.kernels.map((k) => [k.kernel, k.verdict])).toEqual([['1', 'unverified'], ['2', 'deadlock']]);
        expect(pq.kernels.map((k) => k.kernel)).toEqual(['2']);
        const ids = async (f: FindingFilter) => (await listFindings(db, f)).map((x) => x.id).sort();
        expect(await ids({ newIn: '2', comparedWith: '1' })).toEqual([pq.id]);
        expect(await ids({ kernel: '1', verdict: 'unverified' })).toEqual([xy.id]);
        expect(await ids({ classes: ['p'] })).toEqual([pq.id]);
        expect(await ids({ classes: ['[xp]*'] })).toEqual([]);
        expect(await ids({ classes: ['/^[xp]$/'] })).toEqual([pq.id, xy.id].sort());
        const irq = all.filter((f) => f.kind === 'inconsistent-irq-state');
        expect(irq).toHaveLength(1);
        expect(await ids({ kind: 'inconsistent-irq-state' })).toEqual([irq[0].id]);
        const diff = await diffKernels(db, '1', '2');
        expect(diff.findings.introduced.map((f) => f.id)).toEqual([pq.id]);
        expect(diff.findings.changed.map((f) => [f.id, f.old, f.new])).toEqual([[xy.id, 'unverified', 'deadlock']]);
        expect(diff.dependencies.added).toEqual([{ from: 'p', to: 'q' }, { from: 'q', to: 'p' }]);
      } finally {
        await db.close();
      }
      expect(cli('findings', '--store', store, '--new-in', '2').status).toBe(2);
      // kernel-diff: "2" introduces p -> q -> p (a deadlock cycle): exit 1; the other way round: nothing new, exit 0.
      expect(cli('kernel-diff', '1', '2', '--store', store).status).toBe(1);
      expect(cli('kernel-diff', '2', '1', '--store', store).status).toBe(0);
      // KCIDB: x -> y -> x is issue version 1 while unverified everywhere, however often exported...
      const storeB = await engine.fresh();
      const b = await openStore(storeB);
      try {
        const add = (g: ReturnType<typeof smallGraph>) => ingest(b, record(graphFile(g.captures[0].name, g), '6.1'));
        await add(smallGraph('b1', [{ from: 'x', to: 'y' }, { from: 'y', to: 'x', clean: false }]));
        const v1 = await exportKcidb(b);
        expect(validKcidb(v1), JSON.stringify(validKcidb.errors)).toBe(true);
        expect(v1.issues.map((i) => [i.version, i.misc.verdict])).toEqual([[1, 'unverified']]);
        expect((await exportKcidb(b)).issues[0].version).toBe(1);
        // ... and version 2 once a capture shows it for certain.
        await add(smallGraph('b2', [{ from: 'x', to: 'y' }, { from: 'y', to: 'x' }]));
        const v2 = await exportKcidb(b);
        expect(validKcidb(v2), JSON.stringify(validKcidb.errors)).toBe(true);
        expect(v2.issues.map((i) => [i.version, i.misc.verdict])).toEqual([[2, 'deadlock']]);
        expect(v2.incidents.map((i) => [i.issue_version, i.misc.capture, i.misc.verdict])).toEqual([[2, 'b1', 'unverified'], [2, 'b2', 'deadlock']]);
      } finally {
        await b.close();
      }
    });
  });
}

it('the KCIDB schema subset rejects what KCIDB rejects', () => {
  const ok = { version: { major: 5, minor: 3 }, issues: [{ id: 'lockreplay:abc', version: 1, origin: 'lockreplay' }], incidents: [] };
  expect(validKcidb(ok)).toBe(true);
  for (const bad of [
    { ...ok, version: { major: 4 } },
    { ...ok, issues: [{ id: 'abc', version: 1, origin: 'lockreplay' }] },
    { ...ok, issues: [{ id: 'lockreplay:abc', version: -1, origin: 'lockreplay' }] },
    { ...ok, issues: [{ id: 'lockreplay:abc', version: 1, origin: 'Lock Replay' }] },
    { ...ok, issues: [{ id: 'lockreplay:abc', version: 1, origin: 'lockreplay', culprit: { code: true, kernel: true } }] },
    { ...ok, incidents: [{ id: 'lockreplay:i', origin: 'lockreplay', issue_id: 'lockreplay:abc' }] },
    { ...ok, incidents: [{ id: 'lockreplay:i', origin: 'lockreplay', issue_id: 'lockreplay:abc', issue_version: 1, build_id: 'no-origin' }] },
    { ...ok, extra: [] },
  ]) expect(validKcidb(bad), JSON.stringify(bad)).toBe(false);
});
