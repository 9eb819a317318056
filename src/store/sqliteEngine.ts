/**
 * The embedded engine: one SQLite file through better-sqlite3, in WAL mode
 * (readers never wait for the writer) with a busy timeout (a writer waits for
 * another process's write lock before SQLITE_BUSY is raised and retried).
 * better-sqlite3 is synchronous; the adapter is async so the store's code is
 * the same as on PostgreSQL. One connection per engine: transactions of one
 * process run one after the other.
 */
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { SqlRunner, SqlValue, StoreEngine, TransactionOptions } from './engine.ts';
import { withRetry } from './retry.ts';

export interface SqliteOptions {
  readonly?: boolean;
  /** How long a writer waits for another's write lock before SQLITE_BUSY (then retried). */
  busyTimeoutMs?: number;
}

const STATEMENT_CACHE = 256;

export class SqliteEngine implements StoreEngine {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** The end of the last queued transaction: one at a time on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly location: string, path: string, private readonly opts: SqliteOptions) {
    // loaded here, not imported: an import would be hoisted to the top of the CLI bundle and load the native
    // addon on every command (bin/lockreplay.js)
    const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    this.db = new Sqlite(path, { readonly: !!opts.readonly, fileMustExist: !!opts.readonly });
  }

  static async open(location: string, path: string, opts: SqliteOptions = {}): Promise<SqliteEngine> {
    const e = new SqliteEngine(location, path, opts);
    try {
      // Retried: turning a new file to WAL takes the file's exclusive lock, which a writer may hold past busy_timeout.
      await withRetry(async () => e.setUp());
      return e;
    } catch (err) {
      e.db.close();
      throw err;
    }
  }

  private setUp(): void {
    this.db.pragma(`busy_timeout = ${this.opts.busyTimeoutMs ?? 5000}`);
    // Reading the header first: a file that is not a database fails here (SQLITE_NOTADB), not later.
    this.db.pragma('schema_version');
    if (!this.opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a killed process loses nothing committed (only a power cut could lose the last commits).
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('foreign_keys = ON');
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly runner: SqlRunner = {
    dialect: 'sqlite',
    query: async <T extends object>(sql: string, params: readonly SqlValue[] = []) => this.statement(sql).all(...params) as T[],
    exec: async (sql: string, params: readonly SqlValue[] = []) => this.statement(sql).run(...params).changes,
  };

  query<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.serial(() => withRetry(() => this.runner.query<T>(sql, params)));
  }

  exec(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.serial(() => withRetry(() => this.runner.exec(sql, params)));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    const begin = opts.write === false ? 'BEGIN' : 'BEGIN IMMEDIATE';
    return this.serial(() => withRetry(async () => {
      this.db.exec(begin);
      try {
        const out = await fn(this.runner);
        this.db.exec('COMMIT');
        if (opts.write !== false) this.releaseCache();
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    }));
  }

  /**
   * Frees the connection's page cache after a write (an ingest fills its
   * 16 MB). When another process commits, this connection's next read drops
   * whatever the cache holds, and dropping a full cache that way cost 70-360
   * ms (16-64 MB) where freeing it here costs ~2 ms: the first `findings` of a
   * long-lived process after another process's ingest took 69-174 ms, 1.3-1.7
   * ms with this (300 synthetic captures; a fresh process: ~1 ms). The next
   * ingest re-reads its pages from the OS's cache: no measurable cost.
   */
  private releaseCache(): void {
    this.db.pragma('shrink_memory');
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
  }
}
