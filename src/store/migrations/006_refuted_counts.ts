/**
 * Migration 6: per-dependency refuted counts, summed over captures as `merge`
 * sums graph files' `refuted` (graph/mergeGraphs). An observation is refuted
 * when the replay later showed the held entry it was recorded from released
 * unseen (DependencyGraph.refute()); a dependency all of whose observations,
 * in every capture, were refuted was never recorded by lockdep, and a cycle
 * needing it is `benign` (analysis/verdicts). Without the count the store
 * judged such a cycle across captures `unverified` where merge said `benign`.
 *
 * Rows written before this migration get 0: none of their observations
 * counts as refuted, so a cycle through them keeps the older, more cautious
 * verdict (and a later capture's refutations never make the sum reach the
 * older observations: the dependency stays unrefuted in that version).
 */
import type { Migration } from '../schema.ts';

export const migration006: Migration = {
  version: 6,
  name: 'refuted observations per dependency',
  statements: [
    'ALTER TABLE dependencies ADD COLUMN refuted BIGINT NOT NULL DEFAULT 0',
    'ALTER TABLE dependency_evidence ADD COLUMN refuted BIGINT NOT NULL DEFAULT 0',
  ],
};
