/**
 * What `--store` names: a PostgreSQL server (`postgres://` or `postgresql://`
 * URL, as libpq and pg read it: `postgresql:///db?host=/run/postgresql` for a
 * Unix socket) or an SQLite file (any other value without a URL scheme).
 * Default: LOCKREPLAY_STORE, else lockgraph.db in the current directory.
 */
import type { Dialect } from './engine.ts';
import { StoreError } from './engine.ts';

export const DEFAULT_STORE_FILE = 'lockgraph.db';

export interface StoreTarget {
  dialect: Dialect;
  /** The file path (sqlite) or connection URL (postgres). */
  target: string;
  /** How messages name the store: the value given, password hidden. */
  location: string;
}

export function defaultStore(): string {
  return process.env.LOCKREPLAY_STORE || DEFAULT_STORE_FILE;
}

export function parseStoreUrl(value: string): StoreTarget {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      throw new StoreError(value.replace(/:[^:@/]*@/, ':***@'), 'not a valid PostgreSQL URL (postgres://user@host:port/database or postgresql:///database?host=/socket/dir)');
    }
    if (u.password) u.password = '***';
    return { dialect: 'postgres', target: value, location: u.toString() };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value);
  if (scheme && scheme[1].length > 1) {
    throw new StoreError(value, `unsupported store URL scheme '${scheme[1]}:' (use a file path for SQLite, or postgres://... for PostgreSQL)`);
  }
  if (value.trim() === '') throw new StoreError("''", 'empty store path');
  return { dialect: 'sqlite', target: value, location: value };
}
