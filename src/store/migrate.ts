/**
 * Brings a store's schema to this lockreplay's on open: the migrations it
 * lacks are applied in order, in one writing transaction (so processes
 * opening a fresh store at once create it once). A store whose schema is newer
 * than this lockreplay knows is refused: it may hold what this version would
 * misread or overwrite.
 */
import { StoreError, type SqlRunner, type StoreEngine } from './engine.ts';
import { MIGRATIONS, SCHEMA_VERSION, statementFor } from './schema.ts';
import { TOOL_VERSION } from './toolVersion.ts';

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  tool_version TEXT NOT NULL
)`;

/** The store's schema version: 0 for an empty store. */
export async function schemaVersion(db: SqlRunner): Promise<number> {
  try {
    return (await db.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations'))[0]?.v ?? 0;
  } catch (e) {
    if (isMissingTable(e)) return 0;
    throw e;
  }
}

function isMissingTable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '42P01' || /no such table/.test(err.message ?? '');
}

function refuseNewer(engine: StoreEngine, have: number): void {
  if (have > SCHEMA_VERSION) {
    throw new StoreError(engine.location, `schema version ${have} is newer than this lockreplay ${TOOL_VERSION} knows (${SCHEMA_VERSION}): use a newer lockreplay`);
  }
}

/**
 * Applies the missing migrations up to `upTo` (tests stop early to make an
 * older store); with `readOnly`, only checks that none is missing.
 */
export async function migrate(engine: StoreEngine, opts: { upTo?: number; readOnly?: boolean } = {}): Promise<number> {
  const target = opts.upTo ?? SCHEMA_VERSION;
  const seen = await schemaVersion(engine);
  refuseNewer(engine, seen);
  if (seen >= target) return seen;
  if (opts.readOnly) throw new StoreError(engine.location, `schema version ${seen} is older than ${SCHEMA_VERSION}: open the store writable once to migrate it`);
  return engine.transaction(async (tx) => {
    await tx.exec(MIGRATIONS_TABLE);
    // Again under the writer lock: another process may have migrated meanwhile.
    const have = await schemaVersion(tx);
    refuseNewer(engine, have);
    for (const m of MIGRATIONS) {
      if (m.version <= have || m.version > target) continue;
      for (const s of m.statements) {
        const sql = statementFor(engine.dialect, s);
        if (sql !== undefined) await tx.exec(sql);
      }
      await tx.exec('INSERT INTO schema_migrations (version, name, applied_at, tool_version) VALUES (?, ?, ?, ?)', [m.version, m.name, new Date().toISOString(), TOOL_VERSION]);
    }
    return Math.max(have, Math.min(target, SCHEMA_VERSION));
  });
}
