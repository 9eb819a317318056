/**
 * Many rows in few statements: multi-row VALUES lists (both engines), cut so
 * no statement binds more than MAX_PARAMS values (SQLite allows 32766,
 * PostgreSQL 65535). One round trip per chunk matters on PostgreSQL, where a
 * capture's ~1,500 dependencies would otherwise be ~1,500 round trips.
 */
import type { SqlRunner, SqlValue } from './engine.ts';

const MAX_PARAMS = 8000;

/** `head` is "INSERT INTO t (a, b)"; `tail` follows VALUES (ON CONFLICT ..., RETURNING ...). Returns every chunk's rows. */
export async function insertRows<T extends object>(tx: SqlRunner, head: string, rows: SqlValue[][], tail = ''): Promise<T[]> {
  if (!rows.length) return [];
  const width = rows[0].length;
  const per = Math.max(1, Math.floor(MAX_PARAMS / width));
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const out: T[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const sql = `${head} VALUES ${new Array(chunk.length).fill(tuple).join(', ')} ${tail}`;
    const params = chunk.flat();
    if (/\bRETURNING\b/i.test(tail)) out.push(...(await tx.query<T>(sql, params)));
    else await tx.exec(sql, params);
  }
  return out;
}

/** SELECT ... WHERE column IN (values), in chunks: `sql` holds one `(?)` list marked `IN (?*)`. */
export async function selectIn<T extends object>(tx: SqlRunner, sql: string, values: SqlValue[], before: SqlValue[] = []): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += MAX_PARAMS - before.length) {
    const chunk = values.slice(i, i + MAX_PARAMS - before.length);
    out.push(...(await tx.query<T>(sql.replace('IN (?*)', `IN (${new Array(chunk.length).fill('?').join(', ')})`), [...before, ...chunk])));
  }
  return out;
}
