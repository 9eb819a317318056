/**
 * Migration 7: the cycle a capture showed by itself, per finding and kernel
 * version (finding_kernels.cycle: JSON [[from, to], ...] in cycle order,
 * normalised names, as the first capture to record it reported it), so a
 * later capture that records one of its dependencies re-judges it in the
 * union as it re-judges a cycle found across captures. Without it a
 * capture's own cycle kept that capture's verdict: `benign` (a dependency
 * refuted there) or `unverified` (recorded only with uncertain held state)
 * where `merge` of the same captures, another capture having recorded that
 * dependency cleanly, says `deadlock`.
 *
 * Rows written before this migration get NULL and are not re-judged until a
 * capture shows the cycle again (the upsert fills it then).
 */
import type { Migration } from '../schema.ts';

export const migration007: Migration = {
  version: 7,
  name: 'cycles captures showed by themselves, to re-judge',
  statements: ['ALTER TABLE finding_kernels ADD COLUMN cycle TEXT'],
};
