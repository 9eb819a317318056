/**
 * The store's findings as one document: `lockreplay/store-export@1` (every
 * selected finding with where it was seen and its evidence; the HTML page is
 * drawn from it too), and KernelCI's KCIDB I/O format (kcidbExport below).
 */
import type { SqlRunner } from './engine.ts';
import { findingDetail, kernelVersions, listCaptures, listFindings, type CaptureRow, type FindingDetail, type FindingFilter } from './findingQueries.ts';

export const STORE_EXPORT_SCHEMA = 'lockreplay/store-export@1';

export interface StoreExport {
  schema: typeof STORE_EXPORT_SCHEMA;
  store: string;
  kernels: { kernel: string; captures: number; first: string; last: string }[];
  captures: CaptureRow[];
  findings: FindingDetail[];
}

export async function exportStore(db: SqlRunner, location: string, filter: FindingFilter = {}): Promise<StoreExport> {
  const captures = await listCaptures(db);
  const findings: FindingDetail[] = [];
  for (const f of await listFindings(db, filter)) findings.push(await findingDetail(db, f, captures));
  return { schema: STORE_EXPORT_SCHEMA, store: location, kernels: await kernelVersions(db), captures, findings };
}
