/**
 * The store's engine adapter: the few operations the store's code needs, the
 * same on embedded SQLite (better-sqlite3, synchronous underneath) and on
 * PostgreSQL (pg), so every query is written once. SQL is the common subset
 * of both dialects (docs/store-schema.md says which): `?` placeholders (the
 * PostgreSQL engine numbers them), `INSERT ... ON CONFLICT ... DO UPDATE`,
 * `RETURNING`, integers for flags, TEXT for times (ISO 8601 UTC) and JSON.
 * Integers come back as JS numbers on both engines (also COUNT/SUM).
 */
import { InputError } from '../model/inputError.ts';

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export interface SqlRunner {
  readonly dialect: Dialect;
  /** Rows of a SELECT, or of a statement with RETURNING. */
  query<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** A statement without rows; resolves to the number of rows it changed. */
  exec(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface TransactionOptions {
  /**
   * A writing transaction (default). Writers run one at a time per store
   * (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock),
   * so a writer sees every capture committed before it: an ingest checks its
   * dependencies against the union graph and must not miss a capture being
   * written beside it. Readers never wait for writers.
   */
  write?: boolean;
}

export type Dialect = 'sqlite' | 'postgres';

export interface StoreEngine extends SqlRunner {
  /** The store as the user named it (password hidden), for messages. */
  readonly location: string;
  /**
   * Runs fn in one transaction. When the engine reports a transient conflict
   * (SQLITE_BUSY, PostgreSQL 40001/40P01), the transaction is rolled back and
   * fn runs again from the start, after a growing randomized pause: fn must
   * keep no state of its own across attempts.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** A store that cannot be used (bad URL, unreachable, read-only, corrupt, too new): one line naming it, exit 2. */
export class StoreError extends InputError {
  constructor(location: string, detail: string) {
    super(`store ${location}`, undefined, detail);
    this.name = 'StoreError';
  }
}
