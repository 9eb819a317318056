/**
 * The broken-input corpus (tests/robustness/corpus/, manifest.json) through the
 * real CLI: exit code, exactly one stderr line with file and position for
 * errors, never a stack trace, and the expected warnings for recoverable input.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, assertCleanStderr, runCli, type CliRun } from './cli.ts';

const CORPUS = join(ROOT, 'tests', 'robustness', 'corpus');

interface Case {
  file: string;
  exit: number[];
  stderr?: string;
  warnings?: Record<string, [number | null, number]>;
  absent?: string[];
  sameAs?: string;
  eventsDelta?: number | 'x2';
  events?: number;
}
const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as { cases: Case[] };

interface Report {
  stats: { events: number };
  warnings: { kind: string; count: number; first: { line?: number; byte?: number }[] }[];
}

const runs = new Map<string, CliRun>();
const reports = new Map<string, Report>();

beforeAll(async () => {
  // All files in parallel: each run is a separate CLI process.
  await Promise.all(
    manifest.cases.map(async (c) => {
      runs.set(c.file, await runCli(['replay', '--format', 'json', c.file], { cwd: CORPUS }));
      const r = runs.get(c.file)!;
      if (r.code !== 2) reports.set(c.file, JSON.parse(r.stdout) as Report);
    }),
  );
}, 300_000); // ~30 CLI processes at once: on 2 busy cores they may need more than the default hook timeout

/** stats + warnings without input names (the same data under another file name compares equal). */
function comparable(r: Report): unknown {
  return { stats: r.stats, warnings: r.warnings.map((w) => ({ ...w, first: w.first.map((l) => ({ ...l, input: undefined })) })) };
}

describe('broken-input corpus through the CLI', () => {
  for (const c of manifest.cases) {
    it(`${c.file}`, () => {
      const r = runs.get(c.file)!;
      expect(c.exit, `exit code; stderr: ${r.stderr}`).toContain(r.code);
      const lines = assertCleanStderr(r, r.code === 2);
      if (c.stderr) {
        const re = new RegExp(c.stderr.replace('{path}', c.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        expect(lines[0]).toMatch(re);
      }
      if (r.code === 2) return;
      expect(lines).toEqual([]);
      const rep = reports.get(c.file)!;
      const byKind = new Map(rep.warnings.map((w) => [w.kind, w]));
      for (const [kind, [count, firstLine]] of Object.entries(c.warnings ?? {})) {
        const w = byKind.get(kind);
        expect(w, `warning ${kind}`).toBeDefined();
        if (count !== null) expect(w!.count).toBe(count);
        expect(w!.first[0].line ?? w!.first[0].byte).toBe(firstLine); // binary inputs: the byte offset
      }
      for (const kind of c.absent ?? []) expect(byKind.has(kind), `unexpected warning ${kind}`).toBe(false);
      if (c.sameAs) expect(comparable(rep)).toEqual(comparable(reports.get(c.sameAs)!));
      const base = reports.get('slice.txt')!.stats.events;
      if (c.eventsDelta === 'x2') expect(rep.stats.events).toBe(2 * base);
      else if (c.eventsDelta !== undefined) expect(rep.stats.events).toBe(base + c.eventsDelta);
      if (c.events !== undefined) expect(rep.stats.events).toBe(c.events);
    });
  }

  it('every corpus file is under 100 KB', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    for (const f of readdirSync(CORPUS)) expect(statSync(join(CORPUS, f)).size, f).toBeLessThan(100 * 1024);
  });

  it('a truncated .xz on stdin is one line naming <stdin> and a byte offset', async () => {
    const r = await runCli(['replay', '-'], { stdin: readFileSync(join(CORPUS, 'truncated.txt.xz')) });
    expect(r.code).toBe(2);
    const [line] = assertCleanStderr(r, true);
    expect(line).toMatch(/^lockreplay: <stdin>: byte \d+: xz data is corrupt or truncated/);
  });

  it('--strict turns the warnings of a recoverable file into exit 2, still without a stack trace', async () => {
    const r = await runCli(['replay', '--strict', 'garbage-lines.txt'], { cwd: CORPUS });
    expect(r.code).toBe(2);
    assertCleanStderr(r, false);
  });

  it('several inputs: the first broken one stops the run with its own name', async () => {
    const r = await runCli(['replay', 'slice.txt', 'truncated.txt.gz'], { cwd: CORPUS });
    expect(r.code).toBe(2);
    expect(assertCleanStderr(r, true)[0]).toMatch(/^lockreplay: truncated\.txt\.gz: byte \d+: gzip data is corrupt or truncated/);
  });
});
