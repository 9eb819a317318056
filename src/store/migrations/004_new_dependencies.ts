/**
 * Migration 4: what an ingest's check for cycles across captures walks
 * (store/closableDependencies.ts) without scanning its kernel version's union:
 * dependencies by the capture that first recorded them (the only ones that
 * can close a cycle), and dependencies by their target with their source
 * (a covering index for the walk backwards; it replaces migration 2's
 * (kernel, to_class), which SQLite's planner passed over for a scan).
 */
import type { Migration } from '../schema.ts';

export const migration004: Migration = {
  version: 4,
  name: 'indexes for the incremental cross-capture check',
  statements: [
    'CREATE INDEX dependencies_by_first_capture ON dependencies (kernel, first_capture)',
    'CREATE INDEX dependencies_by_to_from ON dependencies (kernel, to_class, from_class)',
    'DROP INDEX dependencies_by_to',
  ],
};
