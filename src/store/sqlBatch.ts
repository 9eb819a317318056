/**
 * Many rows in few statements. SQLite: multi-row VALUES lists, cut so no
 * statement binds more than MAX_PARAMS values (it allows 32766). PostgreSQL:
 * one statement whatever the row count, each column one array parameter that
 * unnest() turns back into rows: one round trip, and statement text the
 * server parses and plans in the same time for 10 rows or 10,000 (a VALUES
 * list of thousands of parameters costs more to plan than to run).
 */
import type { SqlRunner, SqlValue } from './engine.ts';

const MAX_PARAMS = 8000;

/** `head` is "INSERT INTO t (a, b)"; `tail` follows VALUES (ON CONFLICT ..., RETURNING ...). Returns every chunk's rows. */
export async function insertRows<T extends object>(tx: SqlRunner, head: string, rows: SqlValue[][], tail = ''): Promise<T[]> {
  if (!rows.length) return [];
  if (tx.dialect === 'postgres') return insertUnnested<T>(tx, head, rows, tail);
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

/**
 * Columns as typed arrays: numbers are bigint (every number the store writes
 * is an integer), strings text; a column of nulls only is a plain NULL, which
 * takes the target column's type whatever it is.
 */
async function insertUnnested<T extends object>(tx: SqlRunner, head: string, rows: SqlValue[][], tail: string): Promise<T[]> {
  const columns = rows[0].map((_, c) => rows.map((r) => r[c]));
  const params: SqlValue[][] = [];
  const select: string[] = [];
  const unnest: string[] = [];
  columns.forEach((col, c) => {
    const v = col.find((x) => x !== null);
    if (v === undefined) return void select.push('NULL');
    select.push(`u.c${c}`);
    unnest.push(`?::${typeof v === 'number' ? 'bigint' : 'text'}[]`);
    params.push(col);
  });
  const names = columns.map((_, c) => `c${c}`).filter((n) => select.includes(`u.${n}`));
  const sql = `${head} SELECT ${select.join(', ')} FROM unnest(${unnest.join(', ')}) AS u(${names.join(', ')}) ${tail}`;
  // Arrays are PostgreSQL-only parameters, outside SqlValue: pg sends each as an array literal.
  if (/\bRETURNING\b/i.test(tail)) return tx.query<T>(sql, params as unknown as SqlValue[]);
  await tx.exec(sql, params as unknown as SqlValue[]);
  return [];
}

/**
 * SELECT ... WHERE column IN (values), in chunks: `sql` holds one `(?)` list
 * marked `IN (?*)`; `leading` binds the placeholders before it (the same in
 * every chunk).
 */
export async function selectIn<T extends object>(tx: SqlRunner, sql: string, values: SqlValue[], leading: SqlValue[] = []): Promise<T[]> {
  const out: T[] = [];
  const per = MAX_PARAMS - leading.length;
  for (let i = 0; i < values.length; i += per) {
    const chunk = values.slice(i, i + per);
    out.push(...(await tx.query<T>(sql.replace('IN (?*)', `IN (${new Array(chunk.length).fill('?').join(', ')})`), [...leading, ...chunk])));
  }
  return out;
}
