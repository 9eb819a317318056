/**
 * diff: a capture against itself is empty (trace or graph file), names are
 * compared without lockdep's boot-dependent #N and addresses, and a bug's
 * dependencies and cycle show up as added/introduced with NEW's evidence.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffGraphs, isEmptyDiff, normaliseName } from '../../src/graph/graphDiff.ts';
import { GRAPH_SCHEMA, type GraphDependency, type GraphFile } from '../../src/graph/graphFile.ts';
import { ROOT, SHARED_TRACES as SHARED, cli } from '../helpers/cli.ts';

const STEP1 = join(ROOT, 'traces/abba-step1.txt.xz');
const NONE = join(SHARED, 'k6.12/none/trace.txt.xz');
const NONE61 = join(SHARED, 'none/trace.txt.xz');
const ABBA61 = join(SHARED, 'abba/trace.txt.xz');
const ABBA = join(SHARED, 'k6.12/abba/trace.txt.xz');
let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-diff-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));


function graph(capture: string, deps: [string, string][]): GraphFile {
  const ev = { capture, input: capture, line: 1, ts: '1.000000', cpu: 0, pid: 1, comm: 'x', context: 'task 1', held: [] };
  const names = [...new Set(deps.flat())].sort();
  return {
    schema: GRAPH_SCHEMA,
    captures: [{ name: capture, inputs: [{ name: capture, positions: 'line' }] }],
    classes: names.map((name) => ({ name, usageBits: 0, usage: [], written: true, read: false })),
    dependencies: deps.map(([from, to]): GraphDependency => ({
      from, to, count: 1, clean: 1, combos: 1, kinds: ['E->E'], first: ev, firstClean: ev, gates: [], captures: [capture],
    })).sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0)),
    recursions: [],
  };
}

describe('diff', () => {
  it('of a capture with itself is empty, trace against its own graph file too', () => {
    const g = join(dir, 's1.json');
    expect(cli('replay', STEP1, '--save-graph', g).status).toBe(0);
    for (const [o, n] of [[STEP1, STEP1], [g, g], [STEP1, g], [g, STEP1]]) {
      const p = cli('diff', o, n, '--format', 'json');
      expect(p.stderr).toBe('');
      expect(p.status).toBe(0);
      const d = JSON.parse(p.stdout);
      expect(d.schema).toBe('lockreplay/diff@1');
      expect(isEmptyDiff(d)).toBe(true);
    }
  });

  it('does not report boot-dependent #N numbering or addresses as changes', () => {
    expect(normaliseName('(wq_completion)lr_dup#2')).toBe(normaliseName('(wq_completion)lr_dup'));
    expect(normaliseName('&type->i_mutex_dir_key#3/1')).toBe('&type->i_mutex_dir_key/1');
    expect(normaliseName('&sb->s_type->i_lock_key#14')).toBe('&sb->s_type->i_lock_key');
    expect(normaliseName('lock at ffff888003c1a2b8')).toBe(normaliseName('lock at ffff8880045e0f40'));
    expect(normaliseName('x/1')).not.toBe(normaliseName('x'));
    const old = graph('old', [['(wq_completion)w#2', 'm'], ['m', 'k->active#12']]);
    const neu = graph('new', [['(wq_completion)w#3', 'm'], ['m', 'k->active#40']]);
    expect(isEmptyDiff(diffGraphs(old, neu))).toBe(true);
    const changed = diffGraphs(old, graph('new', [['(wq_completion)w#3', 'm'], ['k->active#40', 'm']]));
    expect(changed.dependencies.added.map((d) => [d.from, d.to])).toEqual([['k->active', 'm']]);
    expect(changed.dependencies.removed.map((d) => [d.from, d.to])).toEqual([['m', 'k->active']]);
  });

  it('reports cycles introduced and fixed', () => {
    const old = graph('old', [['a', 'b']]);
    const neu = graph('new', [['a', 'b'], ['b', 'a']]);
    const d = diffGraphs(old, neu);
    expect(d.cycles.introduced.map((c) => c.classes)).toEqual([['a', 'b']]);
    expect(d.cycles.introduced[0].verdict).toBe('deadlock');
    expect(d.cycles.fixed).toEqual([]);
    const back = diffGraphs(neu, old);
    expect(back.cycles.fixed.map((c) => c.classes)).toEqual([['a', 'b']]);
    expect(back.cycles.introduced).toEqual([]);
  });

  it.skipIf(!existsSync(NONE) || !existsSync(ABBA))('none -> abba (6.12): the test module\'s ABBA appears, with abba\'s evidence; exit 1', () => {
    const gn = join(dir, 'none.json'), ga = join(dir, 'abba.json');
    expect(cli('replay', NONE, '--save-graph', gn, '--capture', 'k6.12/none').status).toBe(0);
    cli('replay', ABBA, '--save-graph', ga, '--capture', 'k6.12/abba');
    const p = cli('diff', gn, ga, '--format', 'json');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(1);
    const d = JSON.parse(p.stdout);
    const added = new Map(d.dependencies.added.map((x: { from: string; to: string }) => [`${x.from} -> ${x.to}`, x]));
    for (const k of ['lr_mutex_a -> lr_mutex_b', 'lr_mutex_b -> lr_mutex_a']) {
      const x = added.get(k) as { first: { capture: string; comm: string } } | undefined;
      expect(x, k).toBeDefined();
      expect(x!.first.capture).toBe('k6.12/abba');
      expect(x!.first.comm).toMatch(/^lr[12]_abba$/);
    }
    expect(d.classes.added).toContain('lr_mutex_b');
    expect(d.cycles.introduced.map((c: { classes: string[] }) => c.classes)).toContainEqual(['lr_mutex_a', 'lr_mutex_b']);
    expect(d.cycles.fixed).toEqual([]);
    // The other way round the ABBA is fixed, nothing introduced: exit 0.
    const back = cli('diff', ga, gn, '--format', 'json');
    expect(back.status).toBe(0);
    expect(JSON.parse(back.stdout).cycles.fixed.map((c: { classes: string[] }) => c.classes)).toContainEqual(['lr_mutex_a', 'lr_mutex_b']);
  });

  it.skipIf(!existsSync(NONE) || !existsSync(ABBA))('--touching keeps only the test module\'s classes: exactly its two mutexes, all recorded by its own threads', () => {
    const p = cli('diff', NONE, ABBA, '--format', 'json', '--touching', 'lr_*');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(1);
    const d = JSON.parse(p.stdout);
    expect(d.touching).toEqual(['lr_*']);
    expect(d.classes).toEqual({ added: ['lr_mutex_a', 'lr_mutex_b'], removed: [] });
    expect(d.dependencies.removed).toEqual([]);
    expect(d.dependencies.added.length).toBeGreaterThanOrEqual(2);
    for (const x of d.dependencies.added) {
      expect(`${x.from} -> ${x.to}`).toMatch(/lr_mutex_[ab]/);
      expect(x.first.comm).toMatch(/^lr[12]_abba$/);
    }
    expect(d.cycles.introduced.map((c: { classes: string[] }) => c.classes)).toEqual([['lr_mutex_a', 'lr_mutex_b']]);
    // Without the filter the same two sides differ by background work too (README "Fleets" documents it).
    const all = JSON.parse(cli('diff', NONE, ABBA, '--format', 'json').stdout);
    expect(all.dependencies.added.length).toBeGreaterThan(d.dependencies.added.length);
    expect(cli('diff', NONE, ABBA, '--touching', '/(/').status).toBe(2);
  });

  it.skipIf(!existsSync(NONE61) || !existsSync(ABBA61))('none -> abba (6.1, traces directly): the ABBA is new, nothing the module does is removed', () => {
    const p = cli('diff', NONE61, ABBA61, '--format', 'json');
    expect(p.stderr).toBe('');
    expect(p.status).toBe(1);
    const d = JSON.parse(p.stdout);
    const pairs = d.dependencies.added.map((x: { from: string; to: string }) => `${x.from} -> ${x.to}`);
    expect(pairs).toContain('lr_mutex_a -> lr_mutex_b');
    expect(pairs).toContain('lr_mutex_b -> lr_mutex_a');
    expect(d.cycles.introduced.map((c: { classes: string[] }) => c.classes)).toEqual([['lr_mutex_a', 'lr_mutex_b']]);
    const intro = d.cycles.introduced[0];
    expect(intro.verdict).toBe('deadlock');
    for (const dep of intro.dependencies) expect(dep.first.input).toBe(ABBA61);
    // Only the none scenario's own module work (lr_irq_lock, lr_wq...) may disappear, never abba's mutex pair.
    expect(d.dependencies.removed.filter((x: { from: string; to: string }) => /lr_mutex_b/.test(x.from + x.to))).toEqual([]);
  });

  const LOCKDEP61 = join(SHARED, 'abba/lockdep.txt');
  it.skipIf(!existsSync(LOCKDEP61))('reads /proc/lockdep dumps: a dump against itself is empty; against the trace the module\'s cycle is new', () => {
    const same = cli('diff', LOCKDEP61, LOCKDEP61, '--format', 'json');
    expect(same.stderr).toBe('');
    expect(same.status).toBe(0);
    const d = JSON.parse(same.stdout);
    expect(isEmptyDiff(d)).toBe(true);
    // The dump was taken after rmmod, which zaps the module's classes: lr_* exist only in the trace.
    const p = cli('diff', LOCKDEP61, join(ROOT, 'traces/abba-step1.txt.xz'), '--format', 'json');
    expect(p.status).toBe(0);
    const added = JSON.parse(p.stdout).dependencies.added.map((x: { from: string; to: string }) => `${x.from} -> ${x.to}`);
    expect(added).toContain('lr_mutex_a -> lr_mutex_b');
  });
});
