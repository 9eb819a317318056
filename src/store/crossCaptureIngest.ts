/**
 * The cross-capture step of an ingest (graph/crossCapture), inside the
 * capture's transaction (ingestCapture's afterWrite hook): writers commit one
 * at a time, so the union of the kernel version this step reads is every
 * capture committed before this one.
 *
 * Incremental, as the replay is within one capture: the step never loads the
 * version's whole union. It reads the part the capture can touch: the stored
 * dependencies on a path from a new dependency's head back to its tail (the
 * only ones a cycle it closes can pass, store/closableDependencies.ts), and the
 * cycles found across captures earlier that the capture recorded a dependency
 * of (to re-judge them), each with its evidence and its classes; the union
 * built from them finds and judges exactly what the whole union would. A
 * capture with no new dependency and no such cycle reads nothing more.
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
import { closableDependencies } from './closableDependencies.ts';
import { CrossCaptureUnion, type CrossCaptureFinding } from '../graph/crossCapture.ts';
import { GRAPH_SCHEMA, compareNames, dependencyKey, type GraphDependency, type GraphEvidence, type GraphFile, type GraphGate } from '../graph/graphFile.ts';
import { selectIn } from './sqlBatch.ts';

export interface CrossCaptureOutcome {
  /** Cross-capture findings this capture closed. */
  found: number;
  /** Earlier ones whose verdict it changed. */
  rejudged: number;
  deadlocks: number;
}

export interface CrossCaptureIngestOutcome extends IngestOutcome {
  crossCapture: CrossCaptureOutcome;
}

/** The part of a kernel version's union an ingest reads: stored dependency IDs and found cycles. */
export interface UnionPart {
  dependencies: number[];
  cycles: StoredCycle[];
}

/** Which part of the union a capture's check reads (the default: what it can touch; tests compare it with the whole). */
export type UnionScope = (tx: SqlRunner, rec: CaptureRecord, written: WrittenCapture) => Promise<UnionPart>;

/** One capture into the store, checked against its kernel version's union in the same transaction. */
export async function ingestWithCrossCapture(store: StoreEngine, rec: CaptureRecord, scope: UnionScope = touchedPart): Promise<CrossCaptureIngestOutcome> {
  let crossCapture: CrossCaptureOutcome = { found: 0, rejudged: 0, deadlocks: 0 };
  const outcome = await ingestCapture(store, rec, {
    // Runs again from the start when the engine retries the transaction: the last run's outcome is the committed one.
    afterWrite: async (tx, written) => { crossCapture = await crossCaptureStep(tx, rec, written, scope); },
  });
  return { ...outcome, crossCapture: outcome.status === 'new' ? crossCapture : { found: 0, rejudged: 0, deadlocks: 0 } };
}

export async function crossCaptureStep(tx: SqlRunner, rec: CaptureRecord, written: WrittenCapture, scope: UnionScope = touchedPart): Promise<CrossCaptureOutcome> {
  const { captureId, now } = written;
  const out: CrossCaptureOutcome = { found: 0, rejudged: 0, deadlocks: 0 };
  const part = await scope(tx, rec, written);
  // Neither a path back for a new dependency nor a found cycle to re-judge: nothing the union could report.
  if (!part.dependencies.length && !part.cycles.length) return out;
  const u = await loadUnion(tx, rec, captureId, part);
  // Dependencies the store had before this capture close nothing (even where the union did not load them),
  // unless this capture raised them: a cycle through one may judge stronger than the one chosen before.
  const closers = new Set([...written.newDependencies, ...written.raisedDependencies].map((d) => `${d.fromClass} ${d.toClass}`));
  const isNew = (from: string, to: string) => closers.has(`${written.classIds.get(from)} ${written.classIds.get(to)}`);
  const shown = new Map(part.cycles.filter((c) => c.shown !== undefined).map((c) => [c.shown!, VERDICT_RANK[c.verdict]]));
  for (const f of u.add(captureGraph(rec), true, isNew)) {
    // A cycle chosen again that a capture showed by itself stays that capture's finding: re-judged as such when
    // its cycle is stored (below), left as it is when it is not (suppressed by a rule, or from before migration 7).
    const ident = findingIdent(f.finding.kind, f.finding.classes);
    if (f.chosenAgain && !shown.has(ident) && (await shownByACapture(tx, rec.kernel, ident))) continue;
    const was = shown.get(ident);
    if (was !== undefined) {
      // A capture's own cycle changes verdict only where other captures' observations of its dependencies raise it (as in merge).
      const from = new Set(f.finding.dependencies.flatMap((d) => d.captures ?? []));
      if (VERDICT_RANK[f.finding.verdict] <= was || from.size < 2) continue;
      await writeCrossFinding(tx, rec.kernel, f, captureId, now);
      out.rejudged++;
    } else if (await writeCrossFinding(tx, rec.kernel, f, captureId, now)) out.found++;
    else out.rejudged++;
    if (f.finding.verdict === 'deadlock') out.deadlocks++;
  }
  return out;
}

/**
 * What a capture can touch: the stored dependencies on a path back from one
 * of its new dependencies, and the found cycles it recorded a dependency of,
 * with theirs.
 */
async function touchedPart(tx: SqlRunner, rec: CaptureRecord, written: WrittenCapture): Promise<UnionPart> {
  const raised = written.raisedDependencies.map((d) => d.id);
  const closable = written.newDependencies.length || raised.length ? await closableDependencies(tx, rec.kernel, written.captureId, raised) : [];
  const mine = new Set(rec.dependencies.map((d) => dependencyKey(d.from, d.to)));
  const fresh = new Set(written.newDependencies.map((d) => `${d.fromClass} ${d.toClass}`));
  const isFresh = (d: { from: string; to: string }) => fresh.has(`${written.classIds.get(d.from)} ${written.classIds.get(d.to)}`);
  // A capture's own cycle all of whose dependencies are new with this capture has nothing from another capture to be re-judged with.
  const cycles = (await storedCycles(tx, rec.kernel))
    .filter((c) => c.dependencies.some((d) => mine.has(dependencyKey(d.from, d.to))) && !(c.shown !== undefined && c.dependencies.every(isFresh)));
  const cycleDeps = await dependencyIdsOf(tx, rec.kernel, cycles.flatMap((c) => c.dependencies));
  return { dependencies: [...new Set([...closable, ...cycleDeps])].sort((a, b) => a - b), cycles };
}

/** The capture as one graph for the union: its raw dependencies and classes (the union normalises them as the store does). */
function captureGraph(rec: CaptureRecord): GraphFile {
  return {
    schema: GRAPH_SCHEMA,
    captures: [{ name: rec.name, kernel: rec.kernel, inputs: [] }],
    classes: rec.classes.flatMap((c) => c.raw.map((name) => ({ name, usageBits: c.usageBits, usage: [], written: c.written, read: c.read }))),
    dependencies: rec.dependencies.flatMap((d) => d.raw),
    recursions: [],
  };
}

export interface StoredCycle {
  dependencies: { from: string; to: string }[];
  verdict: string;
  reason: string | null;
  /** Shown by captures by themselves (finding_kernels.cycle) and not yet judged across captures: its finding ID. */
  shown?: string;
}

/**
 * The version's cycles to re-judge (normalised names, as the store keys
 * them): those found across captures, and those captures showed by
 * themselves, not yet judged across captures and short of `deadlock` (the
 * union's judgement can only raise a capture's: more observations, fewer
 * refuted, gates matched by class only). A suppressed one stays as the
 * capture's rules left it (the union applies no rules).
 */
export async function storedCycles(tx: SqlRunner, kernel: string): Promise<StoredCycle[]> {
  const parse = (cycle: string) => (JSON.parse(cycle) as [string, string][]).map(([from, to]) => ({ from, to }));
  const cross = (await tx.query<{ cycle: string; verdict: string; reason: string | null }>(
    'SELECT cycle, verdict, reason FROM cross_findings WHERE kernel = ? ORDER BY finding_id', [kernel]))
    .map((x): StoredCycle => ({ dependencies: parse(x.cycle), verdict: x.verdict, reason: x.reason }));
  const shown = (await tx.query<{ ident: string; cycle: string; verdict: string }>(
    `SELECT f.ident, k.cycle, k.verdict FROM finding_kernels k JOIN findings f ON f.id = k.finding_id
     WHERE k.kernel = ? AND k.cycle IS NOT NULL AND k.verdict_rank > ? AND k.verdict_rank < ?
       AND NOT EXISTS (SELECT 1 FROM cross_findings x WHERE x.finding_id = k.finding_id AND x.kernel = k.kernel)
     ORDER BY k.finding_id`, [kernel, VERDICT_RANK.suppressed, VERDICT_RANK.deadlock]))
    .map((x): StoredCycle => ({ dependencies: parse(x.cycle), verdict: x.verdict, reason: null, shown: x.ident }));
  return [...cross, ...shown];
}

/** Stored dependency IDs of the version by their (normalised) ends. */
async function dependencyIdsOf(tx: SqlRunner, kernel: string, deps: { from: string; to: string }[]): Promise<number[]> {
  if (!deps.length) return [];
  const wanted = new Set(deps.map((d) => dependencyKey(d.from, d.to)));
  const rows = await selectIn<{ id: number; from_name: string; to_name: string }>(tx,
    `SELECT d.id, f.name AS from_name, t.name AS to_name FROM dependencies d JOIN classes f ON f.id = d.from_class JOIN classes t ON t.id = d.to_class
     WHERE d.kernel = ? AND f.name IN (?*)`, [...new Set(deps.map((d) => d.from))], [kernel]);
  return rows.filter((r) => wanted.has(dependencyKey(r.from_name, r.to_name))).map((r) => r.id);
}

interface DepRow { id: number; from_name: string; to_name: string; observations: number; clean: number; refuted: number; combos: number }
interface EvidenceRow { dependency_id: number; capture_id: number; capture: string; gates: string; first: string; first_clean: string | null }

/**
 * The part of a kernel version's union the store holds for `part` (its
 * dependencies' classes, evidence and totals, its cycles to re-judge), less
 * the capture being written (`except`, `rec`).
 */
async function loadUnion(tx: SqlRunner, rec: CaptureRecord, except: number, part: UnionPart): Promise<CrossCaptureUnion> {
  const { dependencies: ids, cycles } = part;
  const kernel = rec.kernel;
  const u = new CrossCaptureUnion(kernel, normaliseClass);
  const own = new Map(rec.dependencies.map((d) => [dependencyKey(d.from, d.to), d]));
  const deps = (await selectIn<DepRow>(tx,
    `SELECT d.id, f.name AS from_name, t.name AS to_name, d.observations, d.clean, d.refuted, d.combos FROM dependencies d
     JOIN classes f ON f.id = d.from_class JOIN classes t ON t.id = d.to_class WHERE d.id IN (?*)`, ids)).sort((a, b) => a.id - b.id);
  const evidence = new Map<number, EvidenceRow[]>();
  const evRows = await selectIn<EvidenceRow>(tx,
    `SELECT e.dependency_id, e.capture_id, c.name AS capture, e.gates, e.first, e.first_clean FROM dependency_evidence e
     JOIN captures c ON c.id = e.capture_id WHERE e.dependency_id IN (?*)`, ids);
  evRows.sort((a, b) => a.dependency_id - b.dependency_id || a.capture_id - b.capture_id);
  for (const e of evRows) {
    if (e.capture_id === except) continue;
    const list = evidence.get(e.dependency_id);
    if (list) list.push(e);
    else evidence.set(e.dependency_id, [e]);
  }
  const dependencies: GraphDependency[] = [];
  for (const d of deps) {
    const ev = evidence.get(d.id);
    if (!ev) continue; // First recorded by this capture.
    const mine = own.get(dependencyKey(d.from_name, d.to_name));
    dependencies.push(unionDependency({
      ...d, observations: d.observations - (mine?.observations ?? 0), clean: d.clean - (mine?.clean ?? 0), refuted: d.refuted - (mine?.refuted ?? 0),
    }, ev));
  }
  const names = new Set([...deps.flatMap((d) => [d.from_name, d.to_name]), ...cycles.flatMap((c) => c.dependencies.flatMap((d) => [d.from, d.to]))]);
  const classes = (await selectIn<{ name: string; usage_bits: number; ever_written: number; ever_read: number }>(tx,
    `SELECT c.name, k.usage_bits, k.ever_written, k.ever_read FROM class_kernels k JOIN classes c ON c.id = k.class_id
     WHERE k.kernel = ? AND c.name IN (?*)`, [...names], [kernel])).sort((a, b) => compareNames(a.name, b.name));
  u.add({
    schema: GRAPH_SCHEMA, captures: [],
    classes: classes.map((c) => ({ name: c.name, usageBits: c.usage_bits, usage: [], written: !!c.ever_written, read: !!c.ever_read })),
    dependencies,
    recursions: [],
  }, false);
  // Raw names standing for per-boot classes (x#2, numbered workqueues) make their class matched only within a capture.
  for (const a of await selectIn<{ raw_name: string }>(tx,
    'SELECT a.raw_name FROM class_aliases a JOIN classes c ON c.id = a.class_id WHERE c.name IN (?*)', [...names])) {
    u.markPerBoot(a.raw_name);
  }
  // A capture's own cycle: its verdict is kept, not its reason.
  for (const c of cycles) u.remember(c.dependencies, c.verdict, c.shown !== undefined ? null : c.reason ?? undefined);
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
    // Summed over captures as merge sums them: wholly refuted only if every observation in every capture was.
    ...(d.refuted > 0 ? { refuted: d.refuted } : {}),
    gates: (gateClasses ?? []).sort(compareNames).map((c) => ({ class: c, instance: '' })),
    captures: [...new Set(ev.map((e) => e.capture))],
  };
  // The store's clean count covers every capture; the evidence of a clean recording may be among the later ones.
  if (firstClean) out.firstClean = firstClean;
  else if (d.clean > 0) out.firstClean = first;
  return out;
}

/** Whether a capture of `kernel` showed the finding `ident` by itself (its finding_kernels row counts captures). */
async function shownByACapture(tx: SqlRunner, kernel: string, ident: string): Promise<boolean> {
  const rows = await tx.query(
    'SELECT 1 AS x FROM findings f JOIN finding_kernels k ON k.finding_id = f.id WHERE f.ident = ? AND k.kernel = ? AND k.captures > 0',
    [ident, kernel]);
  return rows.length > 0;
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
  // The union numbers inputs as it loaded them (which depends on what the ingest read): stored, `at` is a
  // position in the capture that closed the cycle (input 0), its dependencies citing their captures by name.
  const detail: typeof f = { ...f, at: { input: 0, pos: f.at.pos } };
  const had = await tx.query('SELECT 1 AS x FROM cross_findings WHERE finding_id = ? AND kernel = ?', [id, kernel]);
  await tx.exec(
    `INSERT INTO cross_findings (finding_id, kernel, verdict, verdict_rank, reason, cycle, captures, detail, found_by, judged_by, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (finding_id, kernel) DO UPDATE SET
       verdict = excluded.verdict, verdict_rank = excluded.verdict_rank, reason = excluded.reason, cycle = excluded.cycle,
       captures = excluded.captures, detail = excluded.detail, judged_by = excluded.judged_by, last_seen = excluded.last_seen`,
    [id, kernel, f.verdict, rank, f.reason ?? null, cycle, JSON.stringify(x.captures), JSON.stringify(detail), capture, capture, now, now]);
  return had.length === 0;
}
