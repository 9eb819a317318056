/** Every store table's row count and the rollups' totals: equal snapshots mean nothing changed. */
import type { StoreEngine } from '../../src/store/engine.ts';
import { openStore } from '../../src/store/openStore.ts';

export const STORE_TABLES = ['captures', 'classes', 'class_aliases', 'class_kernels', 'dependencies', 'dependency_evidence', 'findings', 'finding_kernels', 'finding_occurrences'];

export async function snapshot(db: StoreEngine): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of STORE_TABLES) out[t] = (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0].n;
  out.deps = await db.query('SELECT SUM(observations) AS o, SUM(captures) AS c, MAX(last_seen) AS l FROM dependencies');
  out.findings = await db.query('SELECT SUM(occurrences) AS o, SUM(captures) AS c, MAX(last_seen) AS l FROM findings');
  return out;
}

export async function snapshotOf(store: string): Promise<Record<string, unknown>> {
  const db = await openStore(store);
  try {
    return await snapshot(db);
  } finally {
    await db.close();
  }
}
