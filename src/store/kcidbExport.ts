/**
 * The store's findings in KernelCI's KCIDB I/O format, v5 (schema:
 * https://github.com/kernelci/kcidb-io/blob/main/kcidb_io/schema/v05_03.py):
 *  - one `issue` per finding: id `lockreplay:<ID>`, origin `lockreplay`,
 *    `report_subject` its title, `culprit.code` true when the verdict says the
 *    kernel's locking is at fault (deadlock, unverified), all culprits false
 *    otherwise (KCIDB: such an issue is invalid - a benign cycle is no bug);
 *    `version` starts at 1 and goes up by one each time an export finds the
 *    finding's title or verdict changed since the last export (kept in the
 *    store: kcidb_issues), so KCIDB triages the newest;
 *  - one `incident` per capture x finding (a cross-capture finding: per
 *    capture its dependencies came from), linked to the build and test IDs
 *    given at ingest (`--build-id`, `--test-id`: KCIDB IDs, `origin:...`).
 */
import type { StoreEngine } from './engine.ts';
import { exportStore } from './storeExport.ts';
import type { CaptureRow, FindingDetail, FindingFilter } from './findingQueries.ts';

export const KCIDB_ORIGIN = 'lockreplay';
export const KCIDB_VERSION = { major: 5, minor: 3 };
/** KCIDB object IDs: `origin:rest` (origin_id_pattern). */
const KCIDB_ID = /^[a-z0-9_]+:.*$/;

export interface KcidbIssue {
  id: string;
  version: number;
  origin: string;
  report_subject: string;
  culprit: { code: boolean; tool: boolean; harness: boolean };
  comment: string;
  misc: Record<string, unknown>;
}

export interface KcidbIncident {
  id: string;
  origin: string;
  issue_id: string;
  issue_version: number;
  build_id?: string;
  test_id?: string;
  present: boolean;
  comment: string;
  misc: Record<string, unknown>;
}

export interface KcidbData {
  version: { major: number; minor: number };
  issues: KcidbIssue[];
  incidents: KcidbIncident[];
}

/** Writes the issue versions it hands out, so it opens the store for writing. */
export async function exportKcidb(store: StoreEngine, filter: FindingFilter = {}): Promise<KcidbData> {
  return store.transaction(async (tx) => {
    const data = await exportStore(tx, store.location, filter);
    const out: KcidbData = { version: KCIDB_VERSION, issues: [], incidents: [] };
    for (const f of data.findings) {
      const { version, verdict } = await issueVersion(tx, f);
      const issueId = `${KCIDB_ORIGIN}:${f.id}`;
      out.issues.push({
        id: issueId, version, origin: KCIDB_ORIGIN, report_subject: f.title,
        culprit: { code: verdict === 'deadlock' || verdict === 'unverified', tool: false, harness: false },
        comment: `${verdict}: ${f.kernels.map((k) => `${k.kernel} ${k.verdict}${k.crossCapture ? ' (across captures)' : ''}`).join(', ')}`,
        misc: { kind: f.kind, verdict, classes: f.classes, kernels: f.kernels.map((k) => ({ kernel: k.kernel, verdict: k.verdict, captures: k.captures })) },
      });
      for (const o of f.occurrences) out.incidents.push(incident(issueId, version, f, o.capture, o.verdict, 'capture'));
      for (const x of f.crossCapture) for (const c of x.captures) out.incidents.push(incident(issueId, version, f, c, x.verdict, 'cross-capture'));
    }
    return out;
  });
}

function incident(issueId: string, version: number, f: FindingDetail, c: CaptureRow, verdict: string, scope: string): KcidbIncident {
  const i: KcidbIncident = {
    id: `${KCIDB_ORIGIN}:${f.id}:${c.hash.slice(0, 16)}${scope === 'cross-capture' ? ':x' : ''}`,
    origin: KCIDB_ORIGIN, issue_id: issueId, issue_version: version, present: true,
    comment: `${verdict} in capture ${c.name} (kernel ${c.kernel}${c.machine ? `, machine ${c.machine}` : ''})${scope === 'cross-capture' ? ', with other captures' : ''}`,
    misc: { capture: c.name, capture_hash: c.hash, kernel: c.kernel, verdict, scope, ...(c.machine ? { machine: c.machine } : {}) },
  };
  // An ID that is not a KCIDB ID (no `origin:`) would make the whole submission invalid: kept in misc instead.
  for (const [field, value] of [['build_id', c.buildId], ['test_id', c.testId]] as const) {
    if (value === null) continue;
    if (KCIDB_ID.test(value)) i[field] = value;
    else i.misc[`${field}_given`] = value;
  }
  return i;
}

type Tx = Parameters<Parameters<StoreEngine['transaction']>[0]>[0];

/**
 * The issue's version and verdict (the strongest over every kernel version,
 * whatever the export's filter): a new version when title or verdict changed
 * since the last export.
 */
async function issueVersion(tx: Tx, f: FindingDetail): Promise<{ version: number; verdict: string }> {
  const [row] = await tx.query<{ id: number; verdict: string }>(
    `SELECT f.id, k.verdict FROM findings f JOIN finding_kernels k ON k.finding_id = f.id WHERE f.ident = ?
     ORDER BY k.verdict_rank DESC, k.kernel LIMIT 1`, [f.id]);
  const verdict = row.verdict;
  const [have] = await tx.query<{ version: number; subject: string; verdict: string }>('SELECT version, subject, verdict FROM kcidb_issues WHERE finding_id = ?', [row.id]);
  if (!have) {
    await tx.exec('INSERT INTO kcidb_issues (finding_id, version, subject, verdict) VALUES (?, 1, ?, ?)', [row.id, f.title, verdict]);
    return { version: 1, verdict };
  }
  if (have.subject === f.title && have.verdict === verdict) return { version: have.version, verdict };
  await tx.exec('UPDATE kcidb_issues SET version = ?, subject = ?, verdict = ? WHERE finding_id = ?', [have.version + 1, f.title, verdict, row.id]);
  return { version: have.version + 1, verdict };
}
