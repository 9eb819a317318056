/**
 * bin/lockreplay.js, the launcher: it runs cached esbuild bundles of the sources and rebuilds them when a
 * source changed. Checked on a throwaway project tree (the launcher, a two-line CLI, empty worker entries, and
 * a node_modules holding only esbuild), so the repository's own cache is never touched: a changed source is
 * rebuilt, an unchanged start hashes nothing, a touched-but-identical source keeps its bundle, and a copy of
 * the tree (node_modules and its cache included) runs its own bundles.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'lockreplay-launcher-'));
const manifest = join(dir, 'node_modules', '.cache', 'lockreplay-bundles.json');
const cliBundle = join(dir, 'node_modules', '.cache', 'lockreplay-cli.mjs');

function setUp(): void {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'bin', 'lockreplay.js'), join(dir, 'bin', 'lockreplay.js'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'workers'), { recursive: true });
  writeFileSync(join(dir, 'workers', 'decodeFtrace.ts'), 'export {};\n');
  writeFileSync(join(dir, 'workers', 'decodeTraceDat.ts'), 'export {};\n');
  mkdirSync(join(dir, 'node_modules', '@esbuild'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', 'esbuild'), join(dir, 'node_modules', 'esbuild'));
  for (const p of ['linux-x64', 'linux-arm64']) {
    try {
      symlinkSync(join(ROOT, 'node_modules', '@esbuild', p), join(dir, 'node_modules', '@esbuild', p));
    } catch { /* not installed for this platform */ }
  }
}

const writeCli = (word: string) => writeFileSync(join(dir, 'src', 'cli', 'main.ts'), `const said: string = '${word}';\nconsole.log(said);\n`);
const run = () => execFileSync(process.execPath, [join(dir, 'bin', 'lockreplay.js')], { encoding: 'utf8' }).trim();

describe('bin/lockreplay.js bundle cache', () => {
  setUp();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the bundle, reuses it, and rebuilds it when a source changes', () => {
    writeCli('first');
    expect(run()).toBe('first');
    const built = statSync(cliBundle).mtimeMs;
    expect(run()).toBe('first');
    expect(statSync(cliBundle).mtimeMs).toBe(built);
    writeCli('second');
    expect(run()).toBe('second');
  });

  it('a source touched but not changed keeps its bundle and its new time is remembered', () => {
    const before = statSync(cliBundle).mtimeMs;
    const src = join(dir, 'src', 'cli', 'main.ts');
    const later = new Date(Date.now() + 5000);
    utimesSync(src, later, later);
    expect(run()).toBe('second');
    expect(statSync(cliBundle).mtimeMs).toBe(before);
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { inputs: string[]; stats: string[] };
    expect(m.stats[m.inputs.indexOf('src/cli/main.ts')]).toBe(`${statSync(src).size}:${statSync(src).mtimeMs}`);
  });

  it('a copy of the tree with its node_modules/.cache runs its own bundles, not the original tree\'s', () => {
    const copy = mkdtempSync(join(tmpdir(), 'lockreplay-launcher-copy-'));
    try {
      cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
      writeFileSync(join(dir, 'src', 'cli', 'main.ts'), `const said: string = 'original changed';\nconsole.log(said);\n`);
      expect(execFileSync(process.execPath, [join(copy, 'bin', 'lockreplay.js')], { encoding: 'utf8' }).trim()).toBe('second');
      expect(run()).toBe('original changed');
      expect(execFileSync(process.execPath, [join(copy, 'bin', 'lockreplay.js')], { encoding: 'utf8' }).trim()).toBe('second');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
