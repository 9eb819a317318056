/**
 * Faults, on both engines, through the real CLI: a process killed (SIGKILL)
 * inside its ingest transaction leaves nothing; an older schema is migrated
 * on open and a newer one refused; a bad store (URL, server, file) is one
 * line naming it and exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openStore } from '../../src/store/openStore.ts';
import { DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { loadCapture } from '../../src/store/captureSource.ts';
import { writeSchema5Capture } from './schema5Capture.ts';
import { SCHEMA_VERSION } from '../../src/store/schema.ts';
import { cli } from '../helpers/cli.ts';
import { TEST_ENGINES, PG_URL, type TestEngine } from '../helpers/storeEngines.ts';
import { writeSyntheticGraph } from '../helpers/syntheticGraph.ts';
import { cliAsync, startCli, type CliRun } from '../helpers/cliAsync.ts';
import { snapshotOf } from '../helpers/storeSnapshot.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-faults-'));
const files: string[] = [];
beforeAll(() => {
  for (let i = 0; i < 3; i++) {
    files.push(join(tmp, `f${i}.graph.json`));
    writeSyntheticGraph(files[i], 500 + i, { name: `f${i}`, kernel: '6.1', pool: 80, classes: 40, dependencies: 150, backEdges: 2 });
  }
  // The CLI's bundles, built now (by this user) so a run as another user below finds them.
  expect(cli('--version').status).toBe(0);
});
const immutable: string[] = [];
afterAll(() => {
  for (const f of immutable) execFileSync('chattr', ['-i', f]);
  rmSync(tmp, { recursive: true, force: true });
});

const ingest = (store: string, ...inputs: string[]) => cliAsync(['ingest', '--store', store, ...inputs]);

/** What every bad store must give: nothing on stdout, exit 2, one line naming the store, no stack trace. */
function expectOneLine(r: CliRun, location: string, detail: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`lockreplay: store ${location}: `), lines[0]).toBe(true);
  expect(lines[0]).toMatch(detail);
}

async function killedAt(store: string, input: string, point: string): Promise<CliRun> {
  const { child, done } = startCli(['ingest', '--store', store, input], { env: { LOCKREPLAY_FAULT: point } });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (d) => {
      seen += d;
      if (seen.includes(`fault point ${point} reached`)) resolve();
    });
    child.on('close', () => reject(new Error(`ingest ended before ${point}: ${seen}`)));
  });
  child.kill('SIGKILL');
  return done;
}

for (const engine of TEST_ENGINES) {
  describe.skipIf(engine.skip)(`store faults on ${engine.name}`, () => {
    afterAll(() => engine.cleanup());

    it('a process killed (SIGKILL) inside its ingest transaction leaves no trace of its capture', async () => {
      const store = await engine.fresh();
      expect((await ingest(store, files[0])).code).toBe(0);
      const before = await snapshotOf(store);
      for (const point of ['ingest:after-capture-row', 'ingest:before-commit']) {
        expect((await killedAt(store, files[1], point)).signal).toBe('SIGKILL');
        expect(await snapshotOf(store)).toEqual(before);
      }
      // The write lock died with the process: the next ingest goes through, and the capture is new.
      const r = await ingest(store, files[1]);
      expect(r.stdout).toMatch(/^f1: new capture \d+ \(kernel 6\.1\)/);
    });

    it('an older schema is migrated on open, its captures kept; a newer one is refused with one line', async () => {
      const store = await engine.fresh();
      const old = await openStore(store, { schemaUpTo: 1 });
      // Written with schema 1's columns, as the lockreplay of that schema wrote it.
      await writeSchema5Capture(old, await loadCapture(files[0], DEFAULT_RUN_OPTIONS, {}));
      expect(await old.query('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
      await old.close();

      const r = await ingest(store, files[1]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const db = await openStore(store);
      try {
        expect((await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((v) => v.version))
          .toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
        expect((await db.query<{ name: string }>('SELECT name FROM captures ORDER BY id')).map((c) => c.name)).toEqual(['f0', 'f1']);
        const indexes = engine.name === 'sqlite'
          ? await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'captures_by_kernel'")
          : await db.query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE indexname = 'captures_by_kernel'");
        expect(indexes).toHaveLength(1);
        await db.exec("INSERT INTO schema_migrations (version, name, applied_at, tool_version) VALUES (999, 'from the future', '2030-01-01T00:00:00.000Z', '9.9.9')");
      } finally {
        await db.close();
      }
      const before = await snapshotOf(store).catch((e) => e);
      const refused = await ingest(store, files[2]);
      expectOneLine(refused, store.replace(/:[^:@/]*@/, ':***@'), /schema version 999 is newer than this lockreplay .* knows \(\d+\): use a newer lockreplay$/);
      // Nothing written: the same refusal to read, and the capture never went in.
      expect(String(before)).toMatch(/schema version 999 is newer/);
      const raw = await rawCaptureCount(engine, store);
      expect(raw).toBe(2);
    });

    it('bad stores: one line naming the store, exit 2', async () => {
      for (const { store, location, detail, as } of await badStores(engine)) {
        expectOneLine(await cliAsync(['ingest', '--store', store, files[0]], as ?? {}), location ?? store, detail);
      }
    });
  });
}

/** Captures in a store, read without opening it as a store (its schema may be refused). */
async function rawCaptureCount(engine: TestEngine, store: string): Promise<number> {
  if (engine.name === 'sqlite') {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(store, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM captures').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: store });
  await c.connect();
  try {
    return Number((await c.query('SELECT COUNT(*) AS n FROM captures')).rows[0].n);
  } finally {
    await c.end();
  }
}

interface BadStore {
  store: string;
  location?: string;
  detail: RegExp;
  as?: { uid: number; gid: number };
}

async function badStores(engine: TestEngine): Promise<BadStore[]> {
  const out: BadStore[] = [];
  if (engine.name === 'sqlite') {
    const dir = mkdtempSync(join(tmp, 'bad-'));
    out.push({ store: join(dir, 'missing', 'lockgraph.db'), detail: /directory .*missing does not exist$/ });
    mkdirSync(join(dir, 'a-directory.db'));
    out.push({ store: join(dir, 'a-directory.db'), detail: /not a regular file$/ });
    writeFileSync(join(dir, 'garbage.db'), Buffer.alloc(8192, 0x5a));
    out.push({ store: join(dir, 'garbage.db'), detail: /not an SQLite database/ });
    // A real store whose pages past the first are damaged.
    const good = await engine.fresh();
    expect((await ingest(good, files[0])).code).toBe(0);
    const bytes = readFileSync(good);
    for (let i = 4096; i + 64 < bytes.length; i += 512) bytes.fill(0xff, i, i + 64);
    writeFileSync(join(dir, 'damaged.db'), bytes);
    out.push({ store: join(dir, 'damaged.db'), detail: /corrupt/ });
    out.push(...readOnlySqlite(good, dir));
  } else {
    const good = await engine.fresh();
    out.push({ store: 'postgres://[::1', location: 'postgres://[::1', detail: /not a valid PostgreSQL URL/ });
    out.push({ store: 'postgresql:///lockreplay?host=/nonexistent-lockreplay-socket-dir&port=5432', detail: /cannot connect to the server \(connect ENOENT/ });
    const noDb = new URL(PG_URL!);
    noDb.pathname = '/lockreplay_no_such_database';
    out.push({ store: noDb.toString(), detail: /no such database/ });
    const ro = new URL(good);
    ro.searchParams.set('options', '-c default_transaction_read_only=on');
    await openStore(good).then((db) => db.close());
    out.push({ store: ro.toString(), detail: /read-only: lockreplay cannot write to it/ });
    const foreign = await engine.fresh();
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: foreign });
    await c.connect();
    await c.query('CREATE TABLE captures (something_else INTEGER)');
    await c.end();
    out.push({ store: foreign, detail: /relation "captures" already exists/ });
  }
  // Any engine: an unknown scheme, and a password never printed.
  out.push({ store: 'mysql://db.example/lockreplay', detail: /unsupported store URL scheme 'mysql:'/ });
  out.push({ store: 'postgres://lockreplay:s3cret@127.0.0.1:1/lockreplay', location: 'postgres://lockreplay:***@127.0.0.1:1/lockreplay', detail: /cannot connect to the server \(connect ECONNREFUSED/ });
  return out;
}

/**
 * A store file this user cannot write. File modes do not stop root: as root
 * the file is made immutable (chattr +i, undone after the tests), or, where
 * the file system cannot, the CLI runs as nobody (65534).
 */
function readOnlySqlite(good: string, dir: string): BadStore[] {
  const ro = join(dir, 'read-only.db');
  copyFileSync(good, ro);
  chmodSync(ro, 0o444);
  const bad: BadStore = { store: ro, detail: /read-only: lockreplay cannot write to it/ };
  if (process.getuid?.() !== 0) return [bad];
  try {
    execFileSync('chattr', ['+i', ro], { stdio: 'ignore' });
    immutable.push(ro);
  } catch {
    chmodSync(dir, 0o755);
    chmodSync(tmp, 0o755);
    bad.as = { uid: 65534, gid: 65534 };
  }
  return [bad];
}
