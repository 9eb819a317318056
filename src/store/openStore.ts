/**
 * Opening a store for a command: the engine the URL names, its schema brought
 * to this lockreplay's (migrate.ts), and every engine failure on the way or
 * later turned into one line naming the store (StoreError, exit 2): a bad URL,
 * an unreachable server, a read-only or corrupt file, a schema too new.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError, type StoreEngine } from './engine.ts';
import { migrate } from './migrate.ts';
import { parseStoreUrl, type StoreTarget } from './storeUrl.ts';
// The engines (better-sqlite3's native addon, pg) load only when a store is opened: every other command
// (replay, merge, diff) starts without them.
import type { SqliteEngine } from './sqliteEngine.ts';

export interface OpenOptions {
  /** Only reads: an SQLite file is opened read-only and must exist; the schema is checked, never migrated. */
  readOnly?: boolean;
  /** Tests: stop migrating at this version, to make an older store. */
  schemaUpTo?: number;
  busyTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export async function openStore(value: string, opts: OpenOptions = {}): Promise<StoreEngine> {
  const t = parseStoreUrl(value);
  let engine: StoreEngine | undefined;
  try {
    engine = t.dialect === 'postgres'
      ? new (await import('./postgresEngine.ts')).PostgresEngine(t.location, t.target, { connectTimeoutMs: opts.connectTimeoutMs })
      : await openSqlite(t, opts);
    await migrate(engine, { upTo: opts.schemaUpTo, readOnly: opts.readOnly });
    return engine;
  } catch (e) {
    await engine?.close().catch(() => undefined);
    throw storeFailure(t.location, e);
  }
}

async function openSqlite(t: StoreTarget, opts: OpenOptions): Promise<SqliteEngine> {
  const path = resolve(t.target);
  if (opts.readOnly && !existsSync(path)) throw new StoreError(t.location, 'no such file');
  if (!existsSync(dirname(path))) throw new StoreError(t.location, `directory ${dirname(t.target)} does not exist`);
  if (existsSync(path) && !statSync(path).isFile()) throw new StoreError(t.location, 'not a regular file');
  const { SqliteEngine } = await import('./sqliteEngine.ts');
  return SqliteEngine.open(t.location, path, { readonly: opts.readOnly, busyTimeoutMs: opts.busyTimeoutMs });
}

/**
 * Opens the store, runs fn, closes it; an engine error from any of it becomes
 * a StoreError naming the store. Other errors (the user's input, lockreplay's
 * own) pass through unchanged.
 */
export async function withStore<T>(value: string, opts: OpenOptions, fn: (store: StoreEngine) => Promise<T>): Promise<T> {
  const store = await openStore(value, opts);
  try {
    return await fn(store);
  } catch (e) {
    throw storeFailure(store.location, e);
  } finally {
    await store.close().catch(() => undefined);
  }
}

const SQLITE_TEXT: [RegExp, string][] = [
  [/^SQLITE_READONLY/, 'read-only: lockreplay cannot write to it'],
  [/^SQLITE_NOTADB$/, 'not an SQLite database (or its header is damaged)'],
  [/^SQLITE_CORRUPT/, 'the database file is corrupt'],
  [/^SQLITE_CANTOPEN/, 'cannot open the file'],
  [/^SQLITE_FULL$/, 'the disk is full'],
  [/^SQLITE_BUSY/, 'still locked by another writer after retrying for 2 minutes'],
  [/^SQLITE_IOERR/, 'I/O error'],
  [/^SQLITE_PERM$|^SQLITE_AUTH$/, 'permission denied'],
];

const PG_TEXT: Record<string, string> = {
  '28P01': 'authentication failed', '28000': 'not authorized', '3D000': 'no such database', '42501': 'permission denied',
  '25006': 'read-only: lockreplay cannot write to it', '53300': 'too many connections', '57P01': 'the server shut down',
  '57P03': 'the server is starting up or shutting down', '40001': 'serialization failures went on for 2 minutes',
  '40P01': 'deadlocks went on for 2 minutes',
};

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EACCES']);

/** An engine's error as a StoreError; anything else (not an engine error) as it is. */
export function storeFailure(location: string, e: unknown): unknown {
  if (e instanceof StoreError) return e;
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  const msg = String(err?.message ?? e).split('\n')[0];
  if (err?.name === 'SqliteError') {
    const t = SQLITE_TEXT.find(([re]) => re.test(code));
    return new StoreError(location, t ? `${t[1]} (${msg})` : msg);
  }
  if (/^[0-9A-Z]{5}$/.test(code) && (err?.name === 'error' || err?.name === 'DatabaseError')) {
    return new StoreError(location, PG_TEXT[code] ? `${PG_TEXT[code]} (${msg})` : `${msg} (SQLSTATE ${code})`);
  }
  if (CONNECT_CODES.has(code) || /timeout exceeded when trying to connect|Connection terminated/i.test(msg)) {
    return new StoreError(location, `cannot connect to the server (${msg})`);
  }
  return e;
}
