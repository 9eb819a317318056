/**
 * Graph files (lockreplay/graph@2): written deterministically, read back by
 * the streaming reader to the same bytes, names kept as data, bad files
 * refused with one line and exit 2, and a graph judged as its trace is.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { readGraphFile } from '../../src/graph/graphFileReader.ts';
import { GraphUnion } from '../../src/graph/mergeGraphs.ts';
import { serializeGraph } from '../../src/graph/graphFile.ts';
import { fillKinds, importGraph } from '../../src/graph/importGraph.ts';
import { InputError } from '../../src/model/inputError.ts';
import { ROOT, cli } from '../helpers/cli.ts';

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-graph-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const a = task('lr1_g', 100, 0), b = task('lr2_g', 101, 1), c = task('lr3_g', 102, 0), d = task('lr4_g', 103, 1);
const WEIRD = ['__proto__', '<script>x</script>', 'quote"and\\back', 'ünïcødé', 'constructor'];

/** ABBA between two weird names (a deadlock) and a cycle gated by G (benign). */
function trace(): string {
  const t = new MiniTrace();
  t.acq(a, WEIRD[0]).acq(a, WEIRD[1]).rel(a, WEIRD[1]).rel(a, WEIRD[0]);
  t.acq(b, WEIRD[1]).acq(b, WEIRD[2]).acq(b, WEIRD[0]).rel(b, WEIRD[0]).rel(b, WEIRD[2]).rel(b, WEIRD[1]);
  t.acq(c, 'G').acq(c, WEIRD[3]).acq(c, WEIRD[4]).rel(c, WEIRD[4]).rel(c, WEIRD[3]).rel(c, 'G');
  t.acq(d, 'G').acq(d, WEIRD[4]).acq(d, WEIRD[3]).rel(d, WEIRD[3]).rel(d, WEIRD[4]).rel(d, 'G');
  return t.text();
}

async function reread(path: string): Promise<string> {
  const u = new GraphUnion();
  u.source = path;
  await readGraphFile(path, u);
  const g = u.toGraph();
  fillKinds(g, importGraph(g));
  return serializeGraph(g);
}

describe('graph file', () => {
  it('is deterministic and survives a streaming read unchanged (weird names included)', async () => {
    const t = file('w.txt', trace());
    const p1 = cli('replay', t, '--save-graph', join(dir, 'w1.json'));
    const p2 = cli('replay', t, '--save-graph', join(dir, 'w2.json'));
    expect(p1.stderr).toBe('');
    expect(p1.status).toBe(1);
    expect(p2.status).toBe(1);
    const g1 = readFileSync(join(dir, 'w1.json'), 'utf8');
    expect(readFileSync(join(dir, 'w2.json'), 'utf8')).toBe(g1);
    expect(await reread(join(dir, 'w1.json'))).toBe(g1);
    const parsed = JSON.parse(g1);
    expect(parsed.schema).toBe('lockreplay/graph@2');
    expect(parsed.classes.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(WEIRD));
    const names = parsed.classes.map((x: { name: string }) => x.name);
    expect([...names].sort()).toEqual(names);
    // __proto__ stayed a name, not a prototype.
    expect(parsed.dependencies.some((x: { from: string }) => x.from === '__proto__')).toBe(true);
  });

  it('real captures round-trip byte for byte, also xz-compressed', async () => {
    for (const t of ['abba-step1', 'abba-step2']) {
      const g = join(dir, `${t}.json`);
      expect(cli('replay', join(ROOT, `traces/${t}.txt.xz`), '--save-graph', g, '--capture', t).status).toBe(0);
      const text = readFileSync(g, 'utf8');
      expect(await reread(g)).toBe(text);
      const xz = spawnSync('xz', ['-k', '-f', g]);
      if (xz.status === 0) expect(await reread(`${g}.xz`)).toBe(text);
    }
  });

  it('--save-graph does not change the report', () => {
    const t = file('w3.txt', trace());
    const plain = cli('replay', t, '--format', 'json', '--workers', '1');
    const saving = cli('replay', t, '--format', 'json', '--save-graph', join(dir, 'w3.json'));
    expect(saving.stdout).toBe(plain.stdout);
    expect(saving.status).toBe(plain.status);
  });

  it('a graph file is judged as its trace: same findings, verdicts and evidence', () => {
    const t = file('w4.txt', trace());
    const fromTrace = JSON.parse(cli('replay', t, '--format', 'json', '--save-graph', join(dir, 'w4.json')).stdout);
    const fromGraph = cli('replay', join(dir, 'w4.json'), '--format', 'json');
    expect(fromGraph.status).toBe(1);
    const findings = JSON.parse(fromGraph.stdout).findings;
    const cycles = (fs: { kind: string; verdict: string }[]) => fs.filter((f) => f.kind === 'circular-dependency');
    // Provenance is added on graph reports; everything else must match.
    for (const f of findings) for (const dep of f.dependencies) delete dep.captures;
    expect(cycles(findings)).toEqual(cycles(fromTrace.findings));
    expect(cycles(findings).map((f: { verdict: string }) => f.verdict).sort()).toEqual(['benign', 'deadlock']);
  });

  it('refuses bad graph files with one line and exit 2', async () => {
    const good = JSON.parse(readFileSync((cli('replay', file('w5.txt', trace()), '--save-graph', join(dir, 'w5.json')), join(dir, 'w5.json')), 'utf8'));
    const cases: [string, string][] = [
      ['version', JSON.stringify({ ...good, schema: 'lockreplay/graph@9' })],
      ['no from', JSON.stringify({ ...good, dependencies: [{ ...good.dependencies[0], from: undefined }] })],
      ['bad combos', JSON.stringify({ ...good, dependencies: [{ ...good.dependencies[0], combos: 4096 }] })],
      ['truncated', serializeGraphText(good).slice(0, 300)],
    ];
    for (const [name, text] of cases) {
      const f = file(`bad-${name.replace(/ /g, '_')}.json`, text);
      const p = cli('replay', f);
      expect(p.status, name).toBe(2);
      expect(p.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(p.stderr, name).toContain(f);
      await expect(readGraphFile(f, new GraphUnion()), name).rejects.toBeInstanceOf(InputError);
    }
  });
});

function serializeGraphText(g: unknown): string {
  return JSON.stringify(g, null, 1);
}
