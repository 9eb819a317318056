import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseProcLockdep, readProcLockdep } from '../../src/decode/lockdep/procLockdep.ts';
import { compareWithLockdep, explainComparison, normaliseClassName } from '../../src/decode/lockdep/lockdepComparison.ts';
import { parseLockdepStats } from '../../src/decode/lockdep/lockdepStats.ts';

/** A /proc/lockdep_stats text (lockdep_stats_show()) with debug_locks = n. */
const STATS = (n: number) => ` lock-classes:                          478 [max: 8192]\n direct dependencies:                  2476 [max: 32768]\n debug_locks:                             ${n}\n`;
import { ROOT, SHARED_TRACES } from '../helpers/cli.ts';
import { InputError } from '../../src/model/inputError.ts';

const ABBA_LOCKDEP = `${SHARED_TRACES}/abba/lockdep.txt`;
const ABBA_CHAINS = `${SHARED_TRACES}/abba/lockdep_chains.txt.xz`;
const ABBA_TRACE = `${SHARED_TRACES}/abba/trace.txt.xz`;

const SAMPLE = [
  'all lock classes:',
  'ffffffff81abe278 FD:    1 BD:   38 ....: (console_sem).lock',
  '',
  'ffffffff81abe220 FD:   13 BD:    6 +.+.: console_lock',
  ' -> [ffffffff81abe278] (console_sem).lock',
  ' -> [ffffffff81f16271] &pool->lock/1',
  '',
  'ffffffff81a19979 FD:   21 BD:    1 +.+.: &type->s_umount_key#2/1',
  ' -> [ffffffff81a199c8] &sb->s_type->i_lock_key#2',
  '',
].join('\n');

describe('/proc/lockdep importer', () => {
  it('reads classes (name as printed, usage) and their direct dependencies', () => {
    const g = parseProcLockdep(SAMPLE);
    expect(g.classes.map((c) => [c.name, c.usage, c.key, c.forwardDeps, c.backwardDeps])).toEqual([
      ['(console_sem).lock', '....', 'ffffffff81abe278', 1, 38],
      ['console_lock', '+.+.', 'ffffffff81abe220', 13, 6],
      ['&type->s_umount_key#2/1', '+.+.', 'ffffffff81a19979', 21, 1],
    ]);
    expect(g.dependencies).toEqual([
      { from: 'console_lock', to: '(console_sem).lock' },
      { from: 'console_lock', to: '&pool->lock/1' },
      { from: '&type->s_umount_key#2/1', to: '&sb->s_type->i_lock_key#2' },
    ]);
  });

  it('refuses other text with a line number', () => {
    expect(() => parseProcLockdep('hello\n')).toThrow(InputError);
    expect(() => parseProcLockdep('all lock classes:\n -> [ff] x\n')).toThrow(/:2: dependency line before any lock class/);
    expect(() => parseProcLockdep('all lock chains:\nirq_context: 0\n')).toThrow(/lockdep_chains/);
  });

  it.skipIf(!existsSync(ABBA_LOCKDEP))('reads every class and dependency line of a real dump', async () => {
    const text = readFileSync(ABBA_LOCKDEP, 'latin1').split('\n');
    const g = await readProcLockdep(ABBA_LOCKDEP);
    expect(g.classes.length).toBe(text.filter((l) => / FD: +\d+ BD: /.test(l)).length);
    expect(g.dependencies.length).toBe(text.filter((l) => l.startsWith(' -> [')).length);
  });

  it.skipIf(!existsSync(ABBA_CHAINS))('refuses /proc/lockdep_chains', async () => {
    await expect(readProcLockdep(ABBA_CHAINS)).rejects.toThrow(/lockdep_chains/);
  });
});

describe('comparison with the kernel graph', () => {
  it('drops #N but keeps /N', () => {
    expect(normaliseClassName('&type->s_umount_key#2/1')).toBe('&type->s_umount_key/1');
    expect(normaliseClassName('&sb->s_type->i_lock_key#14')).toBe('&sb->s_type->i_lock_key');
    expect(normaliseClassName('&pool->lock/1')).toBe('&pool->lock/1');
    expect(normaliseClassName('(wq_completion)events#3')).toBe('(wq_completion)events');
  });

  it('splits replayed dependencies into common / only-in-trace, kernel ones into only-in-kernel', () => {
    const kernel = parseProcLockdep(SAMPLE);
    const c = compareWithLockdep([
      { from: 'console_lock', to: '(console_sem).lock' },
      { from: '&type->s_umount_key/1', to: '&sb->s_type->i_lock_key' },
      { from: 'console_lock', to: 'unknown_lock' },
    ], kernel);
    expect(c.common).toBe(2);
    expect(c.onlyInTrace).toEqual([{ from: 'console_lock', to: 'unknown_lock' }]);
    expect(c.onlyInKernel).toEqual([{ from: 'console_lock', to: '&pool->lock/1' }]);
    expect(c.replayedOverNamedClasses).toBe(1); // &sb->s_type->i_lock_key and unknown_lock are not kernel class names here
    expect(c.commonOverNamedClasses).toBe(1);
  });
});

describe('explaining each difference (explainComparison())', () => {
  const KERNEL = [
    'all lock classes:',
    'a0 FD:    4 BD:    1 +.+.: A',
    ' -> [b0] B',
    '',
    'b0 FD:    2 BD:    2 +.+.: B',
    ' -> [c0] C',
    '',
    'c0 FD:    1 BD:    2 ....: C',
    '',
    'd0 FD:    2 BD:    1 +.+.: D',
    ' -> [e1] E/1',
    '',
    'e1 FD:    1 BD:    2 +.+.: E/1',
    '',
    'f0 FD:    1 BD:    1 ....: srcu_map',
    '',
    '90 FD:    3 BD:    1 +.+.: G',
    '',
    '80 FD:    2 BD:    1 +.+.: H',
    ' -> [c0] C',
    '',
    '70 FD:    1 BD:    1 ....: X',
    '',
  ].join('\n');
  const side = (deps: [string, string, boolean?, number?][]) => ({
    dependencies: deps.map(([from, to, uncertain, distance]) => ({ from, to, ...(uncertain ? { uncertain } : {}), ...(distance ? { distance } : {}) })),
    classes: ['A', 'B', 'C', 'D', 'E', 'G', 'H', 'srcu_map', 'lr_gone', 'X', 'Y'],
    partialWindow: true,
  });

  it('explains a kernel path only for a dependency recorded past a lock held between (check_prevs_add()), never at distance 1', () => {
    const reasonOf = (distance: number) => {
      const c = explainComparison(side([['A', 'C', false, distance]]), parseProcLockdep(KERNEL));
      return Object.entries(c.replayedReasons).find(([, v]) => v.length)?.[0];
    };
    expect(reasonOf(2)).toBe('path');
    // check_redundant(), which would skip an implied direct edge, exists only on CONFIG_LOCKDEP_SMALL kernels
    expect(reasonOf(1)).not.toBe('path');
  });

  it('gives each replayed dependency that is no direct edge a checked reason', () => {
    const c = explainComparison(side([
      ['A', 'B'], // direct
      ['A', 'C', false, 2], // recorded with B held between: check_prevs_add() stops at B, the kernel has A -> B -> C
      ['D', 'E'], // the kernel has E/1
      ['srcu_map', 'C'], // srcu_map has no dependency and no usage there: never chained
      ['lr_gone', 'A'], // no such class any more
      ['G', 'C'], // G's FD 3 is more than its printed edges reach (none): G -> C -> nothing fits
      ['H', 'B', true], // only with uncertain state
      ['H', 'A'], // nothing explains it
    ]), parseProcLockdep(KERNEL));
    const r = Object.fromEntries(Object.entries(c.replayedReasons).map(([k, v]) => [k, v.map((p) => `${p.from}->${p.to}`)]));
    expect(r).toEqual({
      path: ['A->C'], distance: ['G->C'], subclass: ['D->E'], unvalidated: ['srcu_map->C'], 'class-not-listed': ['lr_gone->A'],
      name: [], 'after-report': [], uncertain: ['H->B'], unexplained: ['H->A'],
    });
    expect(c.percentExplained).toBe(Math.round((7 / 8) * 10000) / 100);
  });

  it('gives each kernel dependency the replay lacks a reason', () => {
    const c = explainComparison(side([['A', 'C'], ['B', 'C']]), parseProcLockdep(KERNEL));
    const k = Object.fromEntries(Object.entries(c.kernelReasons).map(([x, v]) => [x, v.map((p) => `${p.from}->${p.to}`)]));
    // A -> B is also replayed as a path? No: only A -> C and B -> C were replayed.
    expect(k).toEqual({ 'replay-path': [], 'class-not-seen': ['D->E/1'], 'not-nested': ['A->B', 'H->C'], unexplained: [] });
    expect(explainComparison(side([['A', 'X'], ['X', 'B']]), parseProcLockdep(KERNEL)).kernelReasons['replay-path'].map((p) => p.from)).toEqual(['A']);
    const closed = explainComparison({ ...side([['A', 'C'], ['B', 'C']]), partialWindow: false }, parseProcLockdep(KERNEL));
    expect(closed.kernelReasons.unexplained.map((p) => p.from)).toEqual(['A', 'H']);
  });
});

describe('dependencies lockdep could not record: after its report, at a hidden distance', () => {
  const KERNEL = [
    'all lock classes:',
    'a0 FD:    2 BD:    1 +.+.: A',
    ' -> [b0] B',
    '',
    'b0 FD:    1 BD:    2 +.+.: B',
    '',
    'a10 FD:    3 BD:    1 +.+.: P',
    ' -> [b10] Q',
    ' -> [c10] R',
    '',
    'b10 FD:    1 BD:    2 +.+.: Q',
    '',
    'c10 FD:    1 BD:    2 +.+.: R',
    '',
    'd10 FD:    2 BD:    1 +.+.: P#2',
    '',
    'e10 FD:    1 BD:    1 +.+.: S',
    '',
  ].join('\n');
  const side = (deps: { from: string; to: string; firstNs?: number; distance?: number }[], firstReportNs?: number) => ({
    dependencies: deps, classes: ['A', 'B', 'P', 'Q', 'R', 'S'], partialWindow: true,
    ...(firstReportNs === undefined ? {} : { firstReportNs }),
  });
  const reasons = (c: ReturnType<typeof explainComparison>) =>
    Object.fromEntries(Object.entries(c.replayedReasons).filter(([, v]) => v.length).map(([k, v]) => [k, v.map((p) => `${p.from}->${p.to}`)]));

  it('first recorded after the replay\'s first report on a kernel with debug_locks 0: after-report', () => {
    const deps = [{ from: 'B', to: 'A', firstNs: 200 }, { from: 'S', to: 'A', firstNs: 50 }];
    expect(reasons(explainComparison(side(deps, 100), parseProcLockdep(KERNEL), parseLockdepStats(STATS(0)))))
      .toEqual({ 'after-report': ['B->A'], unexplained: ['S->A'] });
  });

  it('negative: debug_locks 1 (lockdep still on at the dump), no stats, or no report: unexplained', () => {
    const deps = [{ from: 'B', to: 'A', firstNs: 200 }];
    expect(reasons(explainComparison(side(deps, 100), parseProcLockdep(KERNEL), parseLockdepStats(STATS(1))))).toEqual({ unexplained: ['B->A'] });
    expect(reasons(explainComparison(side(deps, 100), parseProcLockdep(KERNEL)))).toEqual({ unexplained: ['B->A'] });
    expect(reasons(explainComparison(side(deps), parseProcLockdep(KERNEL), parseLockdepStats(STATS(0))))).toEqual({ unexplained: ['B->A'] });
  });

  it('a hidden distance-2 edge fits one class of a shared name (P#2), not the name\'s merged edges', () => {
    expect(reasons(explainComparison(side([{ from: 'P', to: 'S', distance: 2 }]), parseProcLockdep(KERNEL)))).toEqual({ distance: ['P->S'] });
    // recorded at distance 1 it would be printed: no hidden edge explains it
    expect(reasons(explainComparison(side([{ from: 'P', to: 'S', distance: 1 }]), parseProcLockdep(KERNEL)))).toEqual({ unexplained: ['P->S'] });
  });

  it('reads debug_locks from /proc/lockdep_stats and refuses other text with a line', () => {
    expect(parseLockdepStats(STATS(0)).debugLocks).toBe(0);
    expect(() => parseLockdepStats('all lock classes:\n', 'x.txt')).toThrow(/x\.txt.*not a \/proc\/lockdep_stats dump/);
    expect(() => parseLockdepStats(' lock-classes:  3 [max: 8192]\n', 'y.txt')).toThrow(/no "debug_locks:" line/);
  });
});

describe.skipIf(!existsSync(ABBA_TRACE) || !existsSync(ABBA_LOCKDEP))('lockreplay compare-lockdep on a real capture', () => {
  it('prints a JSON comparison whose parts add up', () => {
    const out = execFileSync('node', [`${ROOT}/bin/lockreplay.js`, 'compare-lockdep', ABBA_TRACE, '--lockdep', ABBA_LOCKDEP, '--format', 'json'], { maxBuffer: 1 << 28 });
    const c = JSON.parse(out.toString());
    expect(c.schema).toBe('lockreplay/compare-lockdep@1');
    expect(c.common + c.onlyInTrace.length).toBe(c.replayed);
    expect(c.common + c.onlyInKernel.length).toBe(c.kernel);
    expect(c.common).toBeGreaterThan(0);
  });
});
