/**
 * Migration 1: the store's tables (docs/store-schema.md describes each
 * column). `{ID}` is the one dialect difference: an integer key the engine
 * assigns.
 */
import type { Migration } from '../schema.ts';

export const migration001: Migration = {
  version: 1,
  name: 'classes, dependencies with evidence, captures, findings',
  statements: [
    `CREATE TABLE captures (
      id {ID},
      content_hash TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      kernel TEXT NOT NULL,
      machine TEXT,
      format TEXT NOT NULL,
      inputs TEXT NOT NULL,
      window_first TEXT,
      window_last TEXT,
      events BIGINT,
      lock_events BIGINT,
      lost_events BIGINT,
      lost_markers BIGINT,
      buffer_starts BIGINT,
      warnings TEXT,
      tool_version TEXT NOT NULL,
      build_id TEXT,
      test_id TEXT,
      ingested_at TEXT NOT NULL,
      classes INTEGER NOT NULL,
      dependencies INTEGER NOT NULL,
      findings INTEGER NOT NULL
    )`,
    `CREATE TABLE classes (
      id {ID},
      name TEXT NOT NULL UNIQUE
    )`,
    `CREATE TABLE class_aliases (
      raw_name TEXT PRIMARY KEY,
      class_id BIGINT NOT NULL REFERENCES classes(id)
    )`,
    `CREATE TABLE class_kernels (
      class_id BIGINT NOT NULL REFERENCES classes(id),
      kernel TEXT NOT NULL,
      usage_bits INTEGER NOT NULL,
      ever_written INTEGER NOT NULL,
      ever_read INTEGER NOT NULL,
      captures BIGINT NOT NULL,
      first_capture BIGINT NOT NULL REFERENCES captures(id),
      last_capture BIGINT NOT NULL REFERENCES captures(id),
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      PRIMARY KEY (class_id, kernel)
    )`,
    `CREATE TABLE dependencies (
      id {ID},
      kernel TEXT NOT NULL,
      from_class BIGINT NOT NULL REFERENCES classes(id),
      to_class BIGINT NOT NULL REFERENCES classes(id),
      observations BIGINT NOT NULL,
      clean BIGINT NOT NULL,
      combos INTEGER NOT NULL,
      captures BIGINT NOT NULL,
      first_capture BIGINT NOT NULL REFERENCES captures(id),
      last_capture BIGINT NOT NULL REFERENCES captures(id),
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      UNIQUE (kernel, from_class, to_class)
    )`,
    `CREATE TABLE dependency_evidence (
      dependency_id BIGINT NOT NULL REFERENCES dependencies(id),
      capture_id BIGINT NOT NULL REFERENCES captures(id),
      from_name TEXT NOT NULL,
      to_name TEXT NOT NULL,
      observations BIGINT NOT NULL,
      clean BIGINT NOT NULL,
      combos INTEGER NOT NULL,
      kinds TEXT NOT NULL,
      gates TEXT NOT NULL,
      first TEXT NOT NULL,
      first_clean TEXT,
      PRIMARY KEY (dependency_id, capture_id, from_name, to_name)
    )`,
    `CREATE TABLE findings (
      id {ID},
      ident TEXT NOT NULL UNIQUE,
      kind TEXT NOT NULL,
      title TEXT NOT NULL,
      classes TEXT NOT NULL,
      captures BIGINT NOT NULL,
      occurrences BIGINT NOT NULL,
      first_capture BIGINT NOT NULL REFERENCES captures(id),
      last_capture BIGINT NOT NULL REFERENCES captures(id),
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL
    )`,
    `CREATE TABLE finding_aliases (
      alias TEXT PRIMARY KEY,
      finding_id BIGINT NOT NULL REFERENCES findings(id)
    )`,
    `CREATE TABLE finding_kernels (
      finding_id BIGINT NOT NULL REFERENCES findings(id),
      kernel TEXT NOT NULL,
      verdict TEXT NOT NULL,
      verdict_rank INTEGER NOT NULL,
      captures BIGINT NOT NULL,
      occurrences BIGINT NOT NULL,
      first_capture BIGINT NOT NULL REFERENCES captures(id),
      last_capture BIGINT NOT NULL REFERENCES captures(id),
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      PRIMARY KEY (finding_id, kernel)
    )`,
    `CREATE TABLE finding_occurrences (
      finding_id BIGINT NOT NULL REFERENCES findings(id),
      capture_id BIGINT NOT NULL REFERENCES captures(id),
      kernel TEXT NOT NULL,
      verdict TEXT NOT NULL,
      verdict_rank INTEGER NOT NULL,
      occurrences INTEGER NOT NULL,
      detail TEXT,
      PRIMARY KEY (finding_id, capture_id)
    )`,
  ],
};
