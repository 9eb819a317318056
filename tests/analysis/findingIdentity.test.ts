/**
 * Finding identity (issue 15 item 1): the same problem gets the same ID and
 * title whichever dependency closed the cycle, whatever the capture form,
 * chunk size, worker count or path (replay, merge of the halves, diff).
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  ID_LENGTH, KEY_SCHEME, TITLE_MAX, canonicalCycle, findingAliases, findingId, findingKey, findingTitle,
  isFindingId, normaliseClassName, resolveFindingId,
} from '../../src/analysis/findingIdentity.ts';
import { MiniTrace, task, replay, findingsOf } from '../helpers/miniTrace.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { cli, ROOT } from '../helpers/cli.ts';
import type { ReplayResult } from '../../src/report/result.ts';
import type { GraphDiffResult } from '../../src/graph/graphDiff.ts';
import { renderDiffText } from '../../src/graph/graphDiffText.ts';

const cyc = (...classes: string[]) => ({ kind: 'circular-dependency', classes });

describe('key: normalised names, canonical rotation', () => {
  it('drops lockdep #N and addresses, keeps /N subclasses and static digits', () => {
    expect(normaliseClassName('&type->i_mutex_dir_key#3')).toBe('&type->i_mutex_dir_key');
    expect(normaliseClassName('&ei->i_data_sem#2/2')).toBe('&ei->i_data_sem/2');
    expect(normaliseClassName('&pool->lock/1')).toBe('&pool->lock/1');
    expect(normaliseClassName('lock_ffff888003a41c40')).toBe('lock_<addr>');
    expect(normaliseClassName('rcu_node_0')).toBe('rcu_node_0');
    expect(normaliseClassName('(wq_completion)loop0')).toBe('(wq_completion)loopN');
    expect(normaliseClassName('(wq_completion)loop12#2')).toBe('(wq_completion)loopN');
    expect(normaliseClassName('(work_completion)(&w->work)')).toBe('(work_completion)(&w->work)');
    expect(normaliseClassName('x-kworker/u4:2')).toBe('x-kworker/N');
  });

  it('one cycle, one ID, whatever its rotation; the reverse cycle is another problem', () => {
    const ids = [cyc('a', 'b', 'c'), cyc('b', 'c', 'a'), cyc('c', 'a', 'b'), cyc('c#2', 'a', 'b')].map((f) => findingId(f));
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(new RegExp(`^[0-9a-f]{${ID_LENGTH}}$`));
    expect(isFindingId(ids[0])).toBe(true);
    expect(findingId(cyc('a', 'c', 'b'))).not.toBe(ids[0]);
    expect(findingKey(cyc('b', 'c', 'a'))).toBe('["a","b","c"]');
    // Equal names after normalisation: whole rotations compared, still one key.
    expect(canonicalCycle(['x#2', 'b', 'x', 'a'])).toEqual(canonicalCycle(['x', 'a', 'x#3', 'b']));
  });

  it('the kind, the subclass and the irq states are part of the key; the usage order is not', () => {
    expect(findingId({ kind: 'recursive-locking', classes: ['L'] })).not.toBe(findingId({ kind: 'inconsistent-irq-state', classes: ['L'] }));
    expect(findingId({ kind: 'recursive-locking', classes: ['L'] })).not.toBe(findingId({ kind: 'recursive-locking', classes: ['L/1'] }));
    const inc = (usage: string[]) => ({ kind: 'inconsistent-irq-state', classes: ['L'], usage });
    expect(findingId(inc(['IN-HARDIRQ-W', 'HARDIRQ-ON-W']))).toBe(findingId(inc(['HARDIRQ-ON-W', 'IN-HARDIRQ-W'])));
    expect(findingId(inc(['IN-HARDIRQ-W', 'HARDIRQ-ON-W']))).not.toBe(findingId(inc(['IN-SOFTIRQ-W', 'SOFTIRQ-ON-W'])));
  });

  it('aliases: the scheme is versioned, IDs resolve through the table', () => {
    expect(KEY_SCHEME).toBe('k1');
    expect(findingAliases(cyc('a', 'b'))).toEqual([]);
    const id = findingId(cyc('a', 'b'));
    expect(resolveFindingId('0123456789ab', { '0123456789ab': id })).toBe(id);
    expect(resolveFindingId(id.toUpperCase())).toBe(id);
  });
});

describe('titles', () => {
  it('read as lockdep and syzbot print them', () => {
    expect(findingTitle(cyc('lr_mutex_b', 'lr_mutex_a'))).toBe('possible deadlock: lr_mutex_a -> lr_mutex_b -> lr_mutex_a');
    expect(findingTitle({ kind: 'recursive-locking', classes: ['lr_inode_dio'] })).toBe('possible recursive locking: lr_inode_dio');
    expect(findingTitle({ kind: 'inconsistent-irq-state', classes: ['lr_irq_lock'], usage: ['HARDIRQ-ON-W', 'IN-HARDIRQ-W'] }))
      .toBe('inconsistent lock state: lr_irq_lock (IN-HARDIRQ-W / HARDIRQ-ON-W)');
    expect(findingTitle({ kind: 'irq-safe-unsafe', classes: ['A', 'B'], usage: ['HARDIRQ-safe', 'HARDIRQ-unsafe'] }))
      .toBe('irq lock inversion: A -> B (HARDIRQ-safe -> HARDIRQ-unsafe)');
  });

  it('long cycles and long names fit in one line of at most TITLE_MAX characters', () => {
    const long = Array.from({ length: 12 }, (_, i) => `&some_subsystem_structure->member_lock_${String.fromCharCode(97 + i)}`);
    const t = findingTitle(cyc(...long));
    expect(t.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(t).toMatch(/^possible deadlock: &some_subsys.*lock_a -> .* -> … \(\d+ more\) -> &some_subsys.*lock_a$/);
    const huge = findingTitle({ kind: 'recursive-locking', classes: ['x'.repeat(500) + '\n'] });
    expect(huge.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(huge).not.toMatch(/\n/);
    expect(findingTitle(cyc('a', 'b', 'c'))).toBe(findingTitle(cyc('c', 'a', 'b')));
  });
});

const t1 = task('lr1_abba', 100, 0);
const t2 = task('lr2_abba', 101, 1);
const abbaHalf = (t: MiniTrace, c: typeof t1, x: string, y: string) => t.acq(c, x).acq(c, y).rel(c, y).rel(c, x);

function onlyCycle(r: ReplayResult) {
  const c = findingsOf(r, 'circular-dependency');
  expect(c).toHaveLength(1);
  return c[0];
}

describe('the same problem, the same ID, in every run', () => {
  it('the abba cycle entered from either dependency', async () => {
    const ab = onlyCycle(await replay(abbaHalf(abbaHalf(new MiniTrace(), t1, 'A', 'B'), t2, 'B', 'A')));
    const ba = onlyCycle(await replay(abbaHalf(abbaHalf(new MiniTrace(), t1, 'B', 'A'), t2, 'A', 'B')));
    // Closed by a different dependency each time, one identity.
    const closing = (f: typeof ab) => f.dependencies[f.closingDependency!];
    expect([closing(ab).from, closing(ab).to]).toEqual(['B', 'A']);
    expect([closing(ba).from, closing(ba).to]).toEqual(['A', 'B']);
    expect(ab.id).toBe(ba.id);
    expect(ab.title).toBe('possible deadlock: A -> B -> A');
    expect(ba.title).toBe(ab.title);
  });

  it('a three-class cycle closed by each of its dependencies', async () => {
    const edges: [string, string][] = [['A', 'B'], ['B', 'C'], ['C', 'A']];
    const ids = new Set<string>();
    for (let k = 0; k < 3; k++) {
      const t = new MiniTrace();
      for (let i = 0; i < 3; i++) {
        const [x, y] = edges[(k + i) % 3];
        abbaHalf(t, task(`lr${i}`, 200 + i, i), x, y);
      }
      ids.add(onlyCycle(await replay(t)).id!);
    }
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBe(findingId(cyc('A', 'B', 'C')));
  });

  it('abba: the same ID across chunk sizes, worker counts, repeated runs and capture forms', async () => {
    process.chdir(ROOT);
    const idsOf = async (inputs: string[], workers: number, frameBytes: number) =>
      (await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs, workers, frameBytes })).findings.map((f) => `${f.verdict} ${f.id} ${f.title}`);
    const base = await idsOf(['traces/abba.trace.txt.xz'], 1, DEFAULT_RUN_OPTIONS.frameBytes);
    expect(base).toEqual([`deadlock ${findingId(cyc('lr_mutex_a', 'lr_mutex_b'))} possible deadlock: lr_mutex_a -> lr_mutex_b -> lr_mutex_a`]);
    expect(await idsOf(['traces/abba.trace.txt.xz'], 2, 64 << 10)).toEqual(base);
    expect(await idsOf(['traces/abba.trace.txt.xz'], 1, DEFAULT_RUN_OPTIONS.frameBytes)).toEqual(base);
    // Another capture of the same module (perf script of the rerun) and the trace.dat form.
    const perf = await idsOf(['traces/perf-script-abba-lr_mutex.txt'], 1, DEFAULT_RUN_OPTIONS.frameBytes);
    expect(perf.filter((s) => s.includes('lr_mutex_a -> lr_mutex_b'))[0]?.split(' ')[1]).toBe(base[0].split(' ')[1]);
    const dat = await idsOf(['traces/abba-cut.v7.dat'], 1, DEFAULT_RUN_OPTIONS.frameBytes);
    expect(dat.some((s) => s.split(' ')[1] === base[0].split(' ')[1])).toBe(true);
  });

  it('the abba halves merged (two captures) and diffed carry the full capture\'s ID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-id-'));
    try {
      const id = findingId(cyc('lr_mutex_a', 'lr_mutex_b'));
      const m = cli('merge', 'traces/abba-step1.txt.xz', 'traces/abba-step2.txt.xz', '-o', join(dir, 'u.json'), '--format', 'json');
      const merged = JSON.parse(m.stdout) as ReplayResult;
      expect(merged.schema).toBe('lockreplay/report@2');
      expect(merged.findings.filter((f) => f.verdict === 'deadlock').map((f) => f.id)).toEqual([id]);
      const d = cli('diff', 'traces/abba-step1.txt.xz', join(dir, 'u.json'), '--format', 'json');
      expect(d.status).toBe(1);
      const diff = JSON.parse(d.stdout) as GraphDiffResult;
      expect(diff.cycles.introduced.map((c) => [c.id, c.title])).toEqual([[id, 'possible deadlock: lr_mutex_a -> lr_mutex_b -> lr_mutex_a']]);
      expect(renderDiffText(diff)).toContain(`cycle introduced (deadlock) [${id}]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
