/**
 * What the store's commands ask of it: findings with their per-kernel
 * rollups (filtered), one finding with all it has (where it was seen, its
 * evidence as each capture reported it, its cross-capture cycles), and the
 * captures. The same SQL on both engines; filters that need patterns (class
 * globs) run here, on the few rows a store has per finding.
 */
import type { SqlRunner } from './engine.ts';
import type { Finding } from '../analysis/findings.ts';
import { compilePattern } from '../analysis/rules.ts';
import { InputError } from '../model/inputError.ts';
import { compareNames } from '../graph/graphFile.ts';

export interface FindingFilter {
  /** One finding by its ID. */
  ident?: string;
  kernel?: string;
  kind?: string;
  verdict?: string;
  /** Name, glob or /regex/ over the finding's (normalised) class names; any class may match. */
  classes?: string[];
  /** Only findings present in `newIn` and absent from `comparedWith`. */
  newIn?: string;
  comparedWith?: string;
}

/** A finding in one kernel version. */
export interface KernelRollup {
  kernel: string;
  verdict: string;
  /** Captures of the version that showed it by themselves, and how often they reported it. */
  captures: number;
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
  /** Found across captures of the version (graph/crossCapture): its own verdict and the captures its dependencies came from. */
  crossCapture?: { verdict: string; reason?: string; captures: string[] };
}

export interface StoredFinding {
  id: string;
  kind: string;
  title: string;
  classes: string[];
  /** The strongest verdict over the kernel versions shown. */
  verdict: string;
  kernels: KernelRollup[];
}

export interface CaptureRow {
  id: number;
  /** The capture's content hash (its identity in the store). */
  hash: string;
  name: string;
  kernel: string;
  machine: string | null;
  format: string;
  buildId: string | null;
  testId: string | null;
  ingestedAt: string;
  lostEvents: number | null;
  bufferStarts: number | null;
}

/** Where a finding was seen: a capture that reported it, with its findings as reported (for the first captures). */
export interface Occurrence {
  capture: CaptureRow;
  verdict: string;
  occurrences: number;
  detail: Finding[] | null;
}

export interface CrossCaptureOccurrence {
  kernel: string;
  verdict: string;
  captures: CaptureRow[];
  finding: Finding;
  foundBy: string;
  firstSeen: string;
  lastSeen: string;
}

export interface FindingDetail extends StoredFinding {
  aliases: string[];
  occurrences: Occurrence[];
  crossCapture: CrossCaptureOccurrence[];
}

const RANK: Record<string, number> = { suppressed: 0, benign: 1, unverified: 2, deadlock: 3 };
export const VERDICTS = Object.keys(RANK);

interface Joined {
  fid: number; ident: string; kind: string; title: string; classes: string;
  kernel: string; verdict: string; verdict_rank: number; captures: number; occurrences: number; first_seen: string; last_seen: string;
  x_verdict: string | null; x_reason: string | null; x_captures: string | null;
}

export async function listFindings(db: SqlRunner, filter: FindingFilter = {}): Promise<StoredFinding[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.ident !== undefined) { where.push('f.ident = ?'); params.push(filter.ident); }
  if (filter.kernel !== undefined) { where.push('k.kernel = ?'); params.push(filter.kernel); }
  if (filter.kind !== undefined) { where.push('f.kind = ?'); params.push(filter.kind); }
  if (filter.newIn !== undefined) {
    where.push('k.kernel = ?', 'NOT EXISTS (SELECT 1 FROM finding_kernels o WHERE o.finding_id = f.id AND o.kernel = ?)');
    params.push(filter.newIn, filter.comparedWith ?? '');
  }
  const rows = await db.query<Joined>(
    `SELECT f.id AS fid, f.ident, f.kind, f.title, f.classes, k.kernel, k.verdict, k.verdict_rank, k.captures, k.occurrences, k.first_seen, k.last_seen,
       x.verdict AS x_verdict, x.reason AS x_reason, x.captures AS x_captures
     FROM findings f JOIN finding_kernels k ON k.finding_id = f.id
     LEFT JOIN cross_findings x ON x.finding_id = f.id AND x.kernel = k.kernel
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY f.ident, k.kernel`, params);
  const patterns = (filter.classes ?? []).map((t) => compilePattern(t, (detail) => { throw new InputError('--class', undefined, `${t}: ${detail}`); }));
  const byId = new Map<string, StoredFinding>();
  for (const r of rows) {
    let f = byId.get(r.ident);
    if (!f) {
      f = { id: r.ident, kind: r.kind, title: r.title, classes: JSON.parse(r.classes) as string[], verdict: r.verdict, kernels: [] };
      byId.set(r.ident, f);
    }
    const k: KernelRollup = { kernel: r.kernel, verdict: r.verdict, captures: r.captures, occurrences: r.occurrences, firstSeen: r.first_seen, lastSeen: r.last_seen };
    if (r.x_verdict !== null) {
      k.crossCapture = { verdict: r.x_verdict, captures: JSON.parse(r.x_captures ?? '[]') as string[] };
      if (r.x_reason !== null) k.crossCapture.reason = r.x_reason;
    }
    f.kernels.push(k);
    if (RANK[r.verdict] > RANK[f.verdict]) f.verdict = r.verdict;
  }
  return [...byId.values()]
    .filter((f) => filter.verdict === undefined || f.verdict === filter.verdict)
    .filter((f) => !patterns.length || f.classes.some((c) => patterns.some((p) => p.test(c))))
    .sort(compareStoredFindings);
}

/** Strongest verdict first, then by title and ID: the same order on every engine. */
export function compareStoredFindings(a: StoredFinding, b: StoredFinding): number {
  return RANK[b.verdict] - RANK[a.verdict] || compareNames(a.title, b.title) || compareNames(a.id, b.id);
}

interface CaptureSql {
  id: number; content_hash: string; name: string; kernel: string; machine: string | null; format: string; build_id: string | null; test_id: string | null;
  ingested_at: string; lost_events: number | null; buffer_starts: number | null;
}

const CAPTURE_COLUMNS = 'c.id, c.content_hash, c.name, c.kernel, c.machine, c.format, c.build_id, c.test_id, c.ingested_at, c.lost_events, c.buffer_starts';

function captureRow(c: CaptureSql): CaptureRow {
  return {
    id: c.id, hash: c.content_hash, name: c.name, kernel: c.kernel, machine: c.machine, format: c.format, buildId: c.build_id, testId: c.test_id,
    ingestedAt: c.ingested_at, lostEvents: c.lost_events, bufferStarts: c.buffer_starts,
  };
}

export async function listCaptures(db: SqlRunner): Promise<CaptureRow[]> {
  return (await db.query<CaptureSql>(`SELECT ${CAPTURE_COLUMNS} FROM captures c ORDER BY c.id`)).map(captureRow);
}

/** One finding by its ID (or an alias, or a unique prefix of at least 6 digits); undefined when the store has none. */
export async function showFinding(db: SqlRunner, id: string): Promise<FindingDetail | undefined> {
  const want = id.toLowerCase();
  let rows = await db.query<{ id: number; ident: string }>(
    'SELECT f.id, f.ident FROM findings f WHERE f.ident = ? UNION SELECT f.id, f.ident FROM finding_aliases a JOIN findings f ON f.id = a.finding_id WHERE a.alias = ?', [want, want]);
  if (!rows.length && /^[0-9a-f]{6,}$/.test(want)) {
    rows = await db.query('SELECT id, ident FROM findings WHERE ident LIKE ?', [`${want}%`]);
    if (rows.length > 1) throw new InputError(id, undefined, `ambiguous finding ID prefix: ${rows.map((r) => r.ident).sort().join(', ')}`);
  }
  if (!rows.length) return undefined;
  const [summary] = await listFindings(db, { ident: rows[0].ident });
  return findingDetail(db, summary, await listCaptures(db));
}

/** A listed finding with all the store has of it. */
export async function findingDetail(db: SqlRunner, summary: StoredFinding, allCaptures: CaptureRow[]): Promise<FindingDetail> {
  const [{ id: fid }] = await db.query<{ id: number }>('SELECT id FROM findings WHERE ident = ?', [summary.id]);
  const aliases = (await db.query<{ alias: string }>('SELECT alias FROM finding_aliases WHERE finding_id = ? ORDER BY alias', [fid])).map((r) => r.alias);
  const occ = await db.query<CaptureSql & { verdict: string; occ: number; detail: string | null }>(
    `SELECT ${CAPTURE_COLUMNS}, o.verdict, o.occurrences AS occ, o.detail FROM finding_occurrences o JOIN captures c ON c.id = o.capture_id
     WHERE o.finding_id = ? ORDER BY c.id`, [fid]);
  const captures = new Map<string, CaptureRow>();
  for (const c of allCaptures) if (!captures.has(c.name)) captures.set(c.name, c);
  const cross = await db.query<{ kernel: string; verdict: string; captures: string; detail: string; found_by: string; first_seen: string; last_seen: string }>(
    `SELECT x.kernel, x.verdict, x.captures, x.detail, c.name AS found_by, x.first_seen, x.last_seen FROM cross_findings x
     JOIN captures c ON c.id = x.found_by WHERE x.finding_id = ? ORDER BY x.kernel`, [fid]);
  return {
    ...summary,
    aliases,
    occurrences: occ.map((o) => ({ capture: captureRow(o), verdict: o.verdict, occurrences: o.occ, detail: o.detail ? (JSON.parse(o.detail) as Finding[]) : null })),
    crossCapture: cross.map((x) => ({
      kernel: x.kernel, verdict: x.verdict, finding: JSON.parse(x.detail) as Finding, foundBy: x.found_by, firstSeen: x.first_seen, lastSeen: x.last_seen,
      captures: (JSON.parse(x.captures) as string[]).map((n) => captures.get(n)).filter((c) => c !== undefined),
    })),
  };
}

export async function kernelVersions(db: SqlRunner): Promise<{ kernel: string; captures: number; first: string; last: string }[]> {
  return db.query('SELECT kernel, COUNT(*) AS captures, MIN(ingested_at) AS first, MAX(ingested_at) AS last FROM captures GROUP BY kernel ORDER BY kernel');
}
