/**
 * Writing one capture into the store, in one transaction: the capture row
 * (keyed by content hash: a capture already present changes nothing), its
 * classes and aliases, its dependencies' per-kernel rollups and, for the
 * first EVIDENCE_CAPTURES captures of each, their evidence, and its findings'
 * rollups and occurrences. Every rollup is an upsert that adds this capture's
 * part, so the totals are the sum of the captures whatever the order of
 * ingests. A process killed inside leaves nothing: the engine rolls back.
 */
import type { SqlRunner, StoreEngine } from './engine.ts';
import type { CaptureRecord, DependencyRecord, FindingRecord } from './captureRecord.ts';
import { EVIDENCE_CAPTURES, VERDICT_RANK } from './schema.ts';
import { insertRows, selectIn } from './sqlBatch.ts';
import { faultPoint } from './faultPoint.ts';
import { TOOL_VERSION } from './toolVersion.ts';

export interface IngestOutcome {
  status: 'new' | 'present';
  captureId: number;
  /** The stored capture's name and kernel (for 'present': as first ingested). */
  name: string;
  kernel: string;
  classes: number;
  dependencies: number;
  /** Dependencies this capture is the first to show in its kernel version. */
  newDependencies: number;
  findings: number;
  /** Findings no capture before this one had shown (in any kernel version). */
  newFindings: number;
}

/** What a capture added, for checks that run inside its transaction (e.g. cycles across captures). */
export interface WrittenCapture {
  captureId: number;
  kernel: string;
  /** The ingest time written as last_seen. */
  now: string;
  /** Class IDs by normalised name, for every class the capture names. */
  classIds: Map<string, number>;
  /** Dependencies this capture is the first to show in its kernel version. */
  newDependencies: { id: number; fromClass: number; toClass: number }[];
  /**
   * Stored dependencies this capture raised: recorded from certain held state where every earlier observation
   * was uncertain, or not refuted where every earlier one was. A cycle through one may now judge stronger than
   * the one chosen when its closing dependency arrived, so they close cycles too (store/crossCaptureIngest.ts).
   */
  raisedDependencies: { id: number; fromClass: number; toClass: number }[];
}

export interface IngestHooks {
  /** Runs inside the capture's transaction, after everything is written and before the commit; a throw rolls it all back. */
  afterWrite?: (tx: SqlRunner, written: WrittenCapture) => Promise<void>;
}

export function ingestCapture(store: StoreEngine, rec: CaptureRecord, hooks: IngestHooks = {}): Promise<IngestOutcome> {
  return store.transaction(async (tx) => {
    const now = new Date().toISOString();
    const id = await insertCapture(tx, rec, now);
    if (id === undefined) {
      const [have] = await tx.query<{ id: number; name: string; kernel: string; classes: number; dependencies: number; findings: number }>(
        'SELECT id, name, kernel, classes, dependencies, findings FROM captures WHERE content_hash = ?', [rec.hash]);
      return { status: 'present', captureId: have.id, name: have.name, kernel: have.kernel, classes: have.classes, dependencies: have.dependencies, findings: have.findings, newDependencies: 0, newFindings: 0 };
    }
    await faultPoint('ingest:after-capture-row');
    const classIds = await writeClasses(tx, rec, id, now);
    const { fresh: newDependencies, raised: raisedDependencies } = await writeDependencies(tx, rec, id, now, classIds);
    const newFindings = await writeFindings(tx, rec, id, now);
    await hooks.afterWrite?.(tx, { captureId: id, kernel: rec.kernel, now, classIds, newDependencies, raisedDependencies });
    await faultPoint('ingest:before-commit');
    return {
      status: 'new', captureId: id, name: rec.name, kernel: rec.kernel, classes: rec.classes.length, dependencies: rec.dependencies.length,
      newDependencies: newDependencies.length, findings: rec.findings.length, newFindings,
    };
  });
}

async function insertCapture(tx: SqlRunner, rec: CaptureRecord, now: string): Promise<number | undefined> {
  const s = rec.stats;
  const rows = await tx.query<{ id: number }>(
    `INSERT INTO captures (content_hash, name, kernel, machine, format, inputs, window_first, window_last, events, lock_events, lost_events,
       lost_markers, buffer_starts, warnings, tool_version, build_id, test_id, ingested_at, classes, dependencies, findings)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (content_hash) DO NOTHING RETURNING id`,
    [rec.hash, rec.name, rec.kernel, rec.machine ?? null, rec.format, JSON.stringify(rec.inputs), rec.window?.first ?? null, rec.window?.last ?? null,
      s?.events ?? null, s?.lockEvents ?? null, s?.lostEvents ?? null, s?.lostMarkers ?? null, s?.bufferStarts ?? null, JSON.stringify(rec.warnings),
      TOOL_VERSION, rec.buildId ?? null, rec.testId ?? null, now, rec.classes.length, rec.dependencies.length, rec.findings.length],
  );
  return rows[0]?.id;
}

/** Classes (normalised), their raw names as aliases, and their per-kernel usage; returns class IDs by normalised name. */
async function writeClasses(tx: SqlRunner, rec: CaptureRecord, capture: number, now: string): Promise<Map<string, number>> {
  const names = new Set(rec.classes.map((c) => c.name));
  // Classes named only by a dependency or a finding still get a row.
  for (const d of rec.dependencies) names.add(d.from).add(d.to);
  for (const f of rec.findings) for (const c of f.classes) names.add(c);
  const sorted = [...names].sort();
  await insertRows(tx, 'INSERT INTO classes (name)', sorted.map((n) => [n]), 'ON CONFLICT (name) DO NOTHING');
  const ids = new Map<string, number>();
  for (const r of await selectIn<{ id: number; name: string }>(tx, 'SELECT id, name FROM classes WHERE name IN (?*)', sorted)) ids.set(r.name, r.id);
  const aliases = rec.classes.flatMap((c) => c.raw.map((raw) => [raw, ids.get(c.name)!])).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  await insertRows(tx, 'INSERT INTO class_aliases (raw_name, class_id)', aliases, 'ON CONFLICT (raw_name) DO NOTHING');
  await insertRows(tx,
    'INSERT INTO class_kernels (class_id, kernel, usage_bits, ever_written, ever_read, captures, first_capture, last_capture, first_seen, last_seen)',
    rec.classes.map((c) => [ids.get(c.name)!, rec.kernel, c.usageBits, c.written ? 1 : 0, c.read ? 1 : 0, 1, capture, capture, now, now]),
    `ON CONFLICT (class_id, kernel) DO UPDATE SET usage_bits = class_kernels.usage_bits | excluded.usage_bits,
       ever_written = class_kernels.ever_written | excluded.ever_written, ever_read = class_kernels.ever_read | excluded.ever_read,
       captures = class_kernels.captures + 1, last_capture = excluded.last_capture, last_seen = excluded.last_seen`);
  return ids;
}

/** Dependency rollups for the capture's kernel version, and evidence while the dependency has fewer than EVIDENCE_CAPTURES captures. */
async function writeDependencies(
  tx: SqlRunner, rec: CaptureRecord, capture: number, now: string, ids: Map<string, number>,
): Promise<{ fresh: WrittenCapture['newDependencies']; raised: WrittenCapture['raisedDependencies'] }> {
  const rows = await insertRows<{ id: number; from_class: number; to_class: number; captures: number; observations: number; clean: number; refuted: number }>(tx,
    'INSERT INTO dependencies (kernel, from_class, to_class, observations, clean, refuted, combos, captures, first_capture, last_capture, first_seen, last_seen)',
    rec.dependencies.map((d) => [rec.kernel, ids.get(d.from)!, ids.get(d.to)!, d.observations, d.clean, d.refuted, d.combos, 1, capture, capture, now, now]),
    `ON CONFLICT (kernel, from_class, to_class) DO UPDATE SET observations = dependencies.observations + excluded.observations,
       clean = dependencies.clean + excluded.clean, refuted = dependencies.refuted + excluded.refuted, combos = dependencies.combos | excluded.combos, captures = dependencies.captures + 1,
       last_capture = excluded.last_capture, last_seen = excluded.last_seen
     RETURNING id, from_class, to_class, captures, observations, clean, refuted`);
  const byEnds = new Map<string, DependencyRecord>();
  for (const d of rec.dependencies) byEnds.set(`${ids.get(d.from)} ${ids.get(d.to)}`, d);
  const evidence: (string | number | null)[][] = [];
  const fresh: WrittenCapture['newDependencies'] = [], raised: WrittenCapture['raisedDependencies'] = [];
  for (const r of rows) {
    const mine = byEnds.get(`${r.from_class} ${r.to_class}`)!;
    if (r.captures === 1) fresh.push({ id: r.id, fromClass: r.from_class, toClass: r.to_class });
    else if (raises(r, mine)) raised.push({ id: r.id, fromClass: r.from_class, toClass: r.to_class });
    // Writers run one at a time, so `captures` after this upsert is this capture's rank among the dependency's.
    if (r.captures > EVIDENCE_CAPTURES) continue;
    for (const d of mine.raw) {
      evidence.push([r.id, capture, d.from, d.to, d.count, d.clean, d.refuted ?? 0, d.combos, JSON.stringify(d.kinds), JSON.stringify(d.gates),
        JSON.stringify(d.first), d.firstClean ? JSON.stringify(d.firstClean) : null]);
    }
  }
  await insertRows(tx,
    'INSERT INTO dependency_evidence (dependency_id, capture_id, from_name, to_name, observations, clean, refuted, combos, kinds, gates, first, first_clean)',
    evidence);
  return { fresh, raised };
}

/**
 * Whether this capture's observations of a stored dependency (`after`: the sums with them) raise it: certain
 * where all before were uncertain, or not refuted where all before were (how analysis/verdicts weighs them).
 * Not counted: new lock kinds (a write where only recursive reads were) and fewer common gate classes, which
 * can raise a cycle too; such a cycle is found again only when another capture brings a new dependency to it.
 */
function raises(after: { observations: number; clean: number; refuted: number }, mine: DependencyRecord): boolean {
  const cleanBefore = Number(after.clean) - mine.clean;
  const observedBefore = Number(after.observations) - mine.observations, refutedBefore = Number(after.refuted) - mine.refuted;
  return (cleanBefore === 0 && mine.clean > 0) || (refutedBefore >= observedBefore && mine.observations > mine.refuted);
}

/** Finding rollups (overall and per kernel version) and this capture's occurrences; details for the first EVIDENCE_CAPTURES captures per kernel version. */
async function writeFindings(tx: SqlRunner, rec: CaptureRecord, capture: number, now: string): Promise<number> {
  if (!rec.findings.length) return 0;
  const rows = await insertRows<{ id: number; ident: string; captures: number }>(tx,
    'INSERT INTO findings (ident, kind, title, classes, captures, occurrences, first_capture, last_capture, first_seen, last_seen)',
    rec.findings.map((f) => [f.ident, f.kind, f.title, JSON.stringify(f.classes), 1, f.occurrences.length, capture, capture, now, now]),
    `ON CONFLICT (ident) DO UPDATE SET captures = findings.captures + 1, occurrences = findings.occurrences + excluded.occurrences,
       last_capture = excluded.last_capture, last_seen = excluded.last_seen
     RETURNING id, ident, captures`);
  const idOf = new Map(rows.map((r) => [r.ident, r.id]));
  const perKernel = await insertRows<{ finding_id: number; captures: number }>(tx,
    'INSERT INTO finding_kernels (finding_id, kernel, verdict, verdict_rank, captures, occurrences, first_capture, last_capture, first_seen, last_seen, cycle)',
    rec.findings.map((f) => [idOf.get(f.ident)!, rec.kernel, f.verdict, VERDICT_RANK[f.verdict], 1, f.occurrences.length, capture, capture, now, now,
      f.cycle ? JSON.stringify(f.cycle) : null]),
    // The cycle as the first capture to show it gave it (a row from before migration 7 gets it from the next one).
    `ON CONFLICT (finding_id, kernel) DO UPDATE SET cycle = COALESCE(finding_kernels.cycle, excluded.cycle),
       verdict = CASE WHEN excluded.verdict_rank > finding_kernels.verdict_rank THEN excluded.verdict ELSE finding_kernels.verdict END,
       verdict_rank = CASE WHEN excluded.verdict_rank > finding_kernels.verdict_rank THEN excluded.verdict_rank ELSE finding_kernels.verdict_rank END,
       captures = finding_kernels.captures + 1, occurrences = finding_kernels.occurrences + excluded.occurrences,
       last_capture = excluded.last_capture, last_seen = excluded.last_seen
     RETURNING finding_id, captures`);
  const rank = new Map(perKernel.map((r) => [r.finding_id, r.captures]));
  await insertRows(tx,
    'INSERT INTO finding_occurrences (finding_id, capture_id, kernel, verdict, verdict_rank, occurrences, detail)',
    rec.findings.map((f: FindingRecord) => {
      const id = idOf.get(f.ident)!;
      const detail = rank.get(id)! <= EVIDENCE_CAPTURES ? JSON.stringify(f.occurrences) : null;
      return [id, capture, rec.kernel, f.verdict, VERDICT_RANK[f.verdict], f.occurrences.length, detail];
    }));
  return rows.filter((r) => r.captures === 1).length;
}
