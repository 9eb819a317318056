/**
 * Migration 3: cycles found across captures (graph/crossCapture) and the
 * KCIDB issue versions the export has given (docs/store-schema.md).
 */
import type { Migration } from '../schema.ts';

export const migration003: Migration = {
  version: 3,
  name: 'cross-capture findings, KCIDB issue versions',
  statements: [
    `CREATE TABLE cross_findings (
      finding_id BIGINT NOT NULL REFERENCES findings(id),
      kernel TEXT NOT NULL,
      verdict TEXT NOT NULL,
      verdict_rank INTEGER NOT NULL,
      reason TEXT,
      cycle TEXT NOT NULL,
      captures TEXT NOT NULL,
      detail TEXT NOT NULL,
      found_by BIGINT NOT NULL REFERENCES captures(id),
      judged_by BIGINT NOT NULL REFERENCES captures(id),
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      PRIMARY KEY (finding_id, kernel)
    )`,
    'CREATE INDEX cross_findings_by_kernel ON cross_findings (kernel, finding_id)',
    `CREATE TABLE kcidb_issues (
      finding_id BIGINT PRIMARY KEY REFERENCES findings(id),
      version INTEGER NOT NULL,
      subject TEXT NOT NULL,
      verdict TEXT NOT NULL
    )`,
  ],
};
