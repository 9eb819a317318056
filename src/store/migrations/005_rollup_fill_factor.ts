/**
 * Migration 5 (PostgreSQL only; SQLite updates a row in place): room in each
 * page of the rollup tables that every ingest updates. An ingest rewrites the
 * rollup row of every dependency and class its capture recorded (counts,
 * last capture, last seen): ~1,500 rows a capture. PostgreSQL writes each
 * update as a new row version; with free room in its page, and no indexed
 * column changed, it is a heap-only (HOT) update that adds nothing to the
 * table's indexes and whose dead versions the page reclaims by itself.
 * Pages written after this migration keep the room.
 */
import type { Migration } from '../schema.ts';

export const migration005: Migration = {
  version: 5,
  name: 'fill factor of the rollup tables (PostgreSQL)',
  statements: [
    { postgres: 'ALTER TABLE dependencies SET (fillfactor = 50)' },
    { postgres: 'ALTER TABLE class_kernels SET (fillfactor = 50)' },
    { postgres: 'ALTER TABLE finding_kernels SET (fillfactor = 70)' },
    { postgres: 'ALTER TABLE findings SET (fillfactor = 70)' },
  ],
};
