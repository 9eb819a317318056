/** Migration 2: indexes for the questions asked of a store (by kernel version, by capture, by class). */
import type { Migration } from '../schema.ts';

export const migration002: Migration = {
  version: 2,
  name: 'indexes by kernel version, capture and class',
  statements: [
    'CREATE INDEX captures_by_kernel ON captures (kernel, id)',
    'CREATE INDEX class_aliases_by_class ON class_aliases (class_id)',
    'CREATE INDEX dependencies_by_to ON dependencies (kernel, to_class)',
    'CREATE INDEX dependency_evidence_by_capture ON dependency_evidence (capture_id)',
    'CREATE INDEX finding_kernels_by_kernel ON finding_kernels (kernel, finding_id)',
    'CREATE INDEX finding_occurrences_by_capture ON finding_occurrences (capture_id)',
  ],
};
