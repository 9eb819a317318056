/**
 * The fleet engine: a PostgreSQL server through pg's connection pool. Each
 * transaction has a pooled connection of its own, at READ COMMITTED; writers
 * take one transaction-scoped advisory lock first (see TransactionOptions.write),
 * so any number of ingesting processes, on any number of machines, commit
 * captures one at a time while decoding and replaying in parallel.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { SqlRunner, SqlValue, StoreEngine, TransactionOptions } from './engine.ts';
import { withRetry } from './retry.ts';

/** The advisory lock every store writer takes ('lockrepl' in ASCII). */
export const WRITER_LOCK_KEY = '7813868289418358892';

const INT8 = 20, NUMERIC = 1700;

/**
 * pg, loaded when the first PostgreSQL store opens, not when the CLI starts: an `import` of it would be
 * hoisted to the top of the CLI bundle and loaded by every command (bin/lockreplay.js).
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

/** bigint and numeric (SUM, COUNT) as JS numbers, as SQLite returns them; per pool, not pg's global table. */
function typesOf(driver: typeof pg) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8 || oid === NUMERIC ? (v: string) => Number(v) : driver.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
}

/** `?` placeholders as PostgreSQL's `$1, $2, ...` (the store's SQL never has a `?` inside a literal). */
const numbered = new Map<string, string>();
export function numberPlaceholders(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (numbered.size > 1024) numbered.clear();
    numbered.set(sql, out);
  }
  return out;
}

export interface PostgresOptions {
  connectTimeoutMs?: number;
}

export class PostgresEngine implements StoreEngine {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(readonly location: string, url: string, opts: PostgresOptions = {}) {
    const driver = loadPg();
    this.pool = new driver.Pool({
      connectionString: url, types: typesOf(driver), max: 4, application_name: 'lockreplay',
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    });
    // An idle connection the server dropped: the next query reports it; never an unhandled 'error' event.
    this.pool.on('error', () => undefined);
  }

  private static runner(c: pg.Pool | pg.PoolClient): SqlRunner {
    return {
      dialect: 'postgres',
      query: async <T extends object>(sql: string, params: readonly SqlValue[] = []) => (await c.query(numberPlaceholders(sql), params as SqlValue[])).rows as T[],
      exec: async (sql: string, params: readonly SqlValue[] = []) => (await c.query(numberPlaceholders(sql), params as SqlValue[])).rowCount ?? 0,
    };
  }

  query<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return withRetry(() => PostgresEngine.runner(this.pool).query<T>(sql, params));
  }

  exec(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return withRetry(() => PostgresEngine.runner(this.pool).exec(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return withRetry(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(opts.write === false ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN');
        if (opts.write !== false) await client.query(`SELECT pg_advisory_xact_lock(${WRITER_LOCK_KEY})`);
        const out = await fn(PostgresEngine.runner(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch (r) {
          broken = r as Error;
        }
        throw e;
      } finally {
        // A connection that could not roll back is closed, never handed to the next transaction.
        client.release(broken);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
