/**
 * The two store engines for tests: a fresh SQLite file, and a fresh database
 * on the PostgreSQL server named by LOCKREPLAY_TEST_PG (scripts/test-postgres.sh
 * starts one and prints its URL; .ci/run does so). Without a reachable server
 * the PostgreSQL tests say they skipped, except under CI=true, where they fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_URL = process.env.LOCKREPLAY_TEST_PG;
const UNDER_CI = process.env.CI === 'true';

async function probe(url: string | undefined): Promise<string | undefined> {
  if (!url) return 'LOCKREPLAY_TEST_PG is not set (export LOCKREPLAY_TEST_PG="$(scripts/test-postgres.sh start)")';
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${url} is not reachable (${(e as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const PG_MISSING = await probe(PG_URL);

export interface TestEngine {
  name: 'sqlite' | 'postgres';
  /** Skip these tests (and say why): only outside CI. */
  skip: boolean;
  /** A URL/path of an empty store of its own; dropped by cleanup(). */
  fresh(): Promise<string>;
  cleanup(): Promise<void>;
}

let serial = 0;

function sqliteEngine(): TestEngine {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    skip: false,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'lockreplay-store-'));
      dirs.push(dir);
      return join(dir, 'lockgraph.db');
    },
    async cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

function postgresEngine(): TestEngine {
  const made: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    if (PG_MISSING) throw new Error(`PostgreSQL store tests cannot run under CI: ${PG_MISSING}`);
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    name: 'postgres',
    skip: !!PG_MISSING && !UNDER_CI,
    async fresh() {
      const db = `lockreplay_test_${process.pid}_${++serial}`;
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${db}`).then(() => c.query(`CREATE DATABASE ${db}`)));
      made.push(db);
      const u = new URL(PG_URL!);
      u.pathname = `/${db}`;
      return u.toString();
    },
    async cleanup() {
      const dbs = made.splice(0);
      if (dbs.length) await admin(async (c) => { for (const db of dbs) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`); });
    },
  };
}

export const TEST_ENGINES: TestEngine[] = [sqliteEngine(), postgresEngine()];

if (PG_MISSING && !UNDER_CI) console.warn(`PostgreSQL store tests skipped: ${PG_MISSING}`);
