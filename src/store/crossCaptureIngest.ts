/**
 * The cross-capture step of an ingest (graph/crossCapture), inside the
 * capture's transaction (ingestCapture's afterWrite hook): writers commit one
 * at a time, so the union of the kernel version read here is every capture
 * committed before this one (this capture's own part is left out of it, then
 * added as the capture).
 * The union comes from the store (dependencies, the evidence of their first
 * captures, the cycles found so far); a process that ingests capture after
 * capture keeps it in memory and re-reads it only when another writer
 * committed in between or a transaction was retried.
 *
 * A cycle found here is a finding (findings, finding_kernels: its verdict
 * counts toward the version's verdict) with the scope of its own
 * (cross_findings: the cycle, the captures it came from, the judged finding).
 * It counts no capture and no occurrence in `findings`: no capture showed it.
 */
import type { SqlRunner, StoreEngine } from './engine.ts';
import type { CaptureRecord } from './captureRecord.ts';
import { ingestCapture, type IngestOutcome, type WrittenCapture } from './ingestCapture.ts';
import { findingIdent, findingTitle, normaliseClass } from './findingKey.ts';
import { VERDICT_RANK } from './schema.ts';
import { CrossCaptureUnion, type CrossCaptureFinding } from '../graph/crossCapture.ts';
import { GRAPH_SCHEMA, compareNames, type GraphDependency, type GraphEvidence, type GraphFile, type GraphGate } from '../graph/graphFile.ts';
import { selectIn } from './sqlBatch.ts';

export interface CrossCaptureOutcome {
  /** Cross-capture findings this capture closed. */
  found: number;
  /** Earlier ones whose verdict it changed. */
  rejudged: number;
  deadlocks: number;
}

interface Cached {
  union: CrossCaptureUnion;
  /** Captures of the version the union holds, and the last one added (a retried transaction adds it again). */
  captures: number;
  lastHash: string;
}

const cache = new Map<string, Cached>();

/** Forgets the unions kept in memory: the next ingest reads its union from the store (as a new process does). */
export function forgetUnions(): void {
  cache.clear();
}

export interface CrossCaptureIngestOutcome extends IngestOutcome {
  crossCapture: CrossCaptureOutcome;
}

/** One capture into the store, checked against its kernel version's union in the same transaction. */
export async function ingestWithCrossCapture(store: StoreEngine, rec: CaptureRecord): Promise<CrossCaptureIngestOutcome> {
  let crossCapture: CrossCaptureOutcome = { found: 0, rejudged: 0, deadlocks: 0 };
  const outcome = await ingestCapture(store, rec, {
    // Runs again from the start when the engine retries the transaction: the last run's outcome is the committed one.
    afterWrite: async (tx, written) => { crossCapture = await crossCaptureStep(tx, store, rec, written); },
  });
  return { ...outcome, crossCapture: outcome.status === 'new' ? crossCapture : { found: 0, rejudged: 0, deadlocks: 0 } };
}

export async function crossCaptureStep(tx: SqlRunner, store: StoreEngine, rec: CaptureRecord, written: WrittenCapture): Promise<CrossCaptureOutcome> {
  const { captureId, now } = written;
  const key = JSON.stringify([store.location, rec.kernel]);
  const [{ n }] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM captures WHERE kernel = ? AND id <> ?', [rec.kernel, captureId]);
  let c = cache.get(key);
  if (!c || c.captures !== n || c.lastHash === rec.hash) {
    cache.delete(key);
    c = { union: await loadUnion(tx, rec, captureId), captures: n, lastHash: '' };
  }
  // Until this transaction is known to have committed, the cached union is one capture ahead of the store.
  cache.delete(key);
  const found = c.union.add(captureGraph(rec));
  const out: CrossCaptureOutcome = { found: 0, rejudged: 0, deadlocks: 0 };
  for (const f of found) {
    if (await writeCrossFinding(tx, rec.kernel, f, captureId, now)) out.found++;
    else out.rejudged++;
    if (f.finding.verdict === 'deadlock') out.deadlocks++;
  }
  cache.set(key, { union: c.union, captures: n + 1, lastHash: rec.hash });
  return out;
}

/** The capture as one graph: its raw dependencies and classes (the union normalises them as the store does). */
function captureGraph(rec: CaptureRecord): GraphFile {
  return {
    schema: GRAPH_SCHEMA,
    captures: [{ name: rec.name, kernel: rec.kernel, inputs: [] }],
    classes: rec.classes.flatMap((c) => c.raw.map((name) => ({ name, usageBits: c.usageBits, usage: [], written: c.written, read: c.read }))),
    dependencies: rec.dependencies.flatMap((d) => d.raw),
    recursions: [],
  };
}

interface DepRow { id: number; from_name: string; to_name: string; observations: number; clean: number; combos: number }
interface EvidenceRow { dependency_id: number; capture: string; gates: string; first: string; first_clean: string | null }

/** The union of a kernel version as the store holds it, less the capture being written (`except`, `rec`). */
async function loadUnion(tx: SqlRunner, rec: CaptureRecord, except: number): Promise<CrossCaptureUnion> {
  const kernel = rec.kernel;
  const u = new CrossCaptureUnion(kernel, normaliseClass);
  const own = new Map(rec.dependencies.map((d) => [JSON.stringify([d.from, d.to]), d]));
  const classes = await tx.query<{ name: string; usage_bits: number; ever_written: number; ever_read: number }>(
    `SELECT c.name, k.usage_bits, k.ever_written, k.ever_read FROM class_kernels k JOIN classes c ON c.id = k.class_id
     WHERE k.kernel = ? ORDER BY c.name`, [kernel]);
  const deps = await tx.query<DepRow>(
    `SELECT d.id, f.name AS from_name, t.name AS to_name, d.observations, d.clean, d.combos FROM dependencies d
     JOIN classes f ON f.id = d.from_class JOIN classes t ON t.id = d.to_class WHERE d.kernel = ? ORDER BY d.id`, [kernel]);
  const evidence = new Map<number, EvidenceRow[]>();
  for (const e of await tx.query<EvidenceRow>(
    `SELECT e.dependency_id, c.name AS capture, e.gates, e.first, e.first_clean FROM dependency_evidence e
     JOIN dependencies d ON d.id = e.dependency_id JOIN captures c ON c.id = e.capture_id
     WHERE d.kernel = ? AND e.capture_id <> ? ORDER BY e.dependency_id, e.capture_id`, [kernel, except])) {
    const list = evidence.get(e.dependency_id);
    if (list) list.push(e);
    else evidence.set(e.dependency_id, [e]);
  }
  const dependencies: GraphDependency[] = [];
  for (const d of deps) {
    const ev = evidence.get(d.id);
    if (!ev) continue; // First recorded by this capture.
    const mine = own.get(JSON.stringify([d.from_name, d.to_name]));
    dependencies.push(unionDependency({ ...d, observations: d.observations - (mine?.observations ?? 0), clean: d.clean - (mine?.clean ?? 0) }, ev));
  }
  u.add({
    schema: GRAPH_SCHEMA, captures: [],
    classes: classes.map((c) => ({ name: c.name, usageBits: c.usage_bits, usage: [], written: !!c.ever_written, read: !!c.ever_read })),
    dependencies,
    recursions: [],
  }, false);
  // Raw names standing for per-boot classes (x#2, numbered workqueues) make their class matched only within a capture.
  for (const a of await selectIn<{ raw_name: string }>(tx,
    'SELECT a.raw_name FROM class_aliases a JOIN classes c ON c.id = a.class_id WHERE c.name IN (?*)', classes.map((c) => c.name))) {
    u.markPerBoot(a.raw_name);
  }
  for (const x of await tx.query<{ cycle: string; verdict: string; reason: string | null }>('SELECT cycle, verdict, reason FROM cross_findings WHERE kernel = ?', [kernel])) {
    u.remember((JSON.parse(x.cycle) as [string, string][]).map(([from, to]) => ({ from, to })), x.verdict, x.reason ?? undefined);
  }
  return u;
}

/**
 * A stored dependency as one union record: the store's totals, the first
 * captures' evidence, gates as the classes held at every one of those
 * captures' recordings (instances mean nothing across boots).
 */
function unionDependency(d: DepRow, ev: EvidenceRow[]): GraphDependency {
  let gateClasses: string[] | undefined;
  let firstClean: GraphEvidence | undefined;
  for (const e of ev) {
    const classes = [...new Set((JSON.parse(e.gates) as GraphGate[]).map((g) => g.class))];
    gateClasses = gateClasses === undefined ? classes : gateClasses.filter((x) => classes.includes(x));
    if (!firstClean && e.first_clean) firstClean = JSON.parse(e.first_clean) as GraphEvidence;
  }
  const first = JSON.parse(ev[0].first) as GraphEvidence;
  const out: GraphDependency = {
    from: d.from_name, to: d.to_name, count: d.observations, clean: d.clean, combos: d.combos, kinds: [], first,
    gates: (gateClasses ?? []).sort(compareNames).map((c) => ({ class: c, instance: '' })),
    captures: [...new Set(ev.map((e) => e.capture))],
  };
  // The store's clean count covers every capture; the evidence of a clean recording may be among the later ones.
  if (firstClean) out.firstClean = firstClean;
  else if (d.clean > 0) out.firstClean = first;
  return out;
}

/** Writes a cross-capture finding; true when it is new in this kernel version. */
async function writeCrossFinding(tx: SqlRunner, kernel: string, x: CrossCaptureFinding, capture: number, now: string): Promise<boolean> {
  const f = x.finding;
  const ident = findingIdent(f.kind, f.classes);
  const rank = VERDICT_RANK[f.verdict];
  const [{ id }] = await tx.query<{ id: number }>(
    `INSERT INTO findings (ident, kind, title, classes, captures, occurrences, first_capture, last_capture, first_seen, last_seen)
     VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?) ON CONFLICT (ident) DO UPDATE SET ident = excluded.ident RETURNING id`,
    [ident, f.kind, findingTitle(f), JSON.stringify(f.classes), capture, capture, now, now]);
  await tx.exec(
    `INSERT INTO finding_kernels (finding_id, kernel, verdict, verdict_rank, captures, occurrences, first_capture, last_capture, first_seen, last_seen)
     VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, ?) ON CONFLICT (finding_id, kernel) DO UPDATE SET
       verdict = CASE WHEN excluded.verdict_rank > finding_kernels.verdict_rank THEN excluded.verdict ELSE finding_kernels.verdict END,
       verdict_rank = CASE WHEN excluded.verdict_rank > finding_kernels.verdict_rank THEN excluded.verdict_rank ELSE finding_kernels.verdict_rank END`,
    [id, kernel, f.verdict, rank, capture, capture, now, now]);
  const cycle = JSON.stringify(f.dependencies.map((d) => [d.from, d.to]));
  const had = await tx.query('SELECT 1 AS x FROM cross_findings WHERE finding_id = ? AND kernel = ?', [id, kernel]);
  await tx.exec(
    `INSERT INTO cross_findings (finding_id, kernel, verdict, verdict_rank, reason, cycle, captures, detail, found_by, judged_by, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (finding_id, kernel) DO UPDATE SET
       verdict = excluded.verdict, verdict_rank = excluded.verdict_rank, reason = excluded.reason, cycle = excluded.cycle,
       captures = excluded.captures, detail = excluded.detail, judged_by = excluded.judged_by, last_seen = excluded.last_seen`,
    [id, kernel, f.verdict, rank, f.reason ?? null, cycle, JSON.stringify(x.captures), JSON.stringify(f), capture, capture, now, now]);
  return had.length === 0;
}
