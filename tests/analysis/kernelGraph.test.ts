/**
 * `replay --lockdep`: the traced boot's /proc/lockdep refutes uncertain
 * dependencies lockdep never recorded (analysis/kernelGraphRule), and only
 * those: a path, an unlisted or unvalidated class, room for an unprinted
 * entry, lockdep already off, or certain held state keep the verdict.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT, cli } from '../helpers/cli.ts';
import { MiniTrace, task, on, replay, findingsOf, deadlocks, classSet, withReplay } from '../helpers/miniTrace.ts';
import { parseProcLockdep } from '../../src/decode/lockdep/procLockdep.ts';
import { parseLockdepStats } from '../../src/decode/lockdep/lockdepStats.ts';
import { KernelGraph } from '../../src/decode/lockdep/kernelGraph.ts';

const t1 = task('lr1_kg', 100, 1);
const t2 = task('lr2_kg', 101, 0);
const t3 = task('lr3_kg', 102, 0);

/**
 * A /proc/lockdep text (l_show()) with these classes and direct edges. FD is what the
 * printed edges reach (itself included) plus `extraFd`; BD likewise backwards.
 */
function dump(classes: string[], edges: [string, string][], o: { extraFd?: Record<string, number>; usage?: Record<string, string> } = {}): string {
  const out = new Map<string, string[]>(), inn = new Map<string, string[]>();
  for (const [a, b] of edges) {
    (out.get(a) ?? out.set(a, []).get(a)!).push(b);
    (inn.get(b) ?? inn.set(b, []).get(b)!).push(a);
  }
  const count = (adj: Map<string, string[]>, c: string) => {
    const seen = new Set([c]), q = [c];
    for (let i = 0; i < q.length; i++) for (const y of adj.get(q[i]) ?? []) if (!seen.has(y)) seen.add(y), q.push(y);
    return seen.size;
  };
  const key = (k: number) => (0xffffffff82000000 + k * 0x10).toString(16);
  const lines = ['all lock classes:'];
  classes.forEach((c, k) => {
    const fd = count(out, c) + (o.extraFd?.[c] ?? 0);
    lines.push(`${key(k)} FD: ${String(fd).padStart(4)} BD: ${String(count(inn, c)).padStart(4)} ${o.usage?.[c] ?? '+.+.'}: ${c}`);
    for (const b of out.get(c) ?? []) lines.push(` -> [${key(classes.indexOf(b))}] ${b}`);
    lines.push('');
  });
  return lines.join('\n');
}

const stats = (debugLocks: number) => parseLockdepStats(` lock-classes:                            12 [max: 8192]\n debug_locks:                             ${debugLocks}\n`);

const withKernel = (text: string, debugLocks?: number) =>
  withReplay({ kernelGraph: new KernelGraph(parseProcLockdep(text), 'lockdep.txt', debugLocks === undefined ? undefined : stats(debugLocks)) });

/** t1 holds A across a loss, then takes B (A -> B uncertain); t2: B -> A (certain). */
const lossyAbba = (before: (t: MiniTrace) => void = () => {}) => {
  const t = new MiniTrace();
  before(t);
  return t.acq(t1, 'A').raw('CPU:1 [LOST 12 EVENTS]').acq(t1, 'B').rel(t1, 'B')
    .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
};

const cycleOf = async (t: MiniTrace, opts = {}) => {
  const r = await replay(t, opts);
  expect(deadlocks(r).filter((f) => classSet(f).join() === 'A,B')).toEqual([]);
  return { r, f: findingsOf(r, 'circular-dependency').find((f) => classSet(f).join() === 'A,B')! };
};

describe('replay --lockdep: refuted by the kernel graph', () => {
  it('without the dump, the cycle through the uncertain A -> B is unverified', async () => {
    const { f } = await cycleOf(lossyAbba());
    expect(f.verdict).toBe('unverified');
  });

  it('lockdep on (debug_locks 1), both classes listed, no path A -> B: benign, refuted-by-kernel-graph, naming the dependency and the dump', async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'B'], [['B', 'A']]), 1));
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/^refuted-by-kernel-graph: A -> B was recorded only from held entries of uncertain state/);
    expect(f.reason).toContain('lockdep.txt lists both classes with no path between them');
  });

  it('#N duplicates and /N subclasses of one name are that class: no path from any of them refutes', async () => {
    const text = dump(['A', 'A#2', 'B/1', 'B'], [['B', 'A'], ['B/1', 'A#2']]);
    expect((await cycleOf(lossyAbba(), withKernel(text, 1))).f.verdict).toBe('benign');
  });

  it('not refuted when the kernel has a path A -> ... -> B (check_redundant() may have skipped the direct edge)', async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'X', 'B'], [['B', 'A'], ['A', 'X'], ['X', 'B']]), 1));
    expect(f.verdict).toBe('unverified');
  });

  it('not refuted when the path starts at another class of that name (A#2 -> B)', async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'A#2', 'B'], [['B', 'A'], ['A#2', 'B']]), 1));
    expect(f.verdict).toBe('unverified');
  });

  it('not refuted when a class is not listed (zapped with its module, or printed under another name)', async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'C'], [['C', 'A']]), 1));
    expect(f.verdict).toBe('unverified');
  });

  it('not refuted when a class is listed unvalidated (FD 1, BD 1, no usage: check=0 there)', async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'B', 'C'], [['C', 'A']], { usage: { B: '....' } }), 1));
    expect(f.verdict).toBe('unverified');
  });

  it("not refuted when A's FD has room for an unprinted distance > 1 entry to B", async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'B'], [['B', 'A']], { extraFd: { A: 1 } }), 1));
    expect(f.verdict).toBe('unverified');
  });

  it('debug_locks 0: refuted when A -> B was seen once, before anything the capture shows lockdep could report', async () => {
    const { f } = await cycleOf(lossyAbba(), withKernel(dump(['A', 'B'], [['B', 'A']]), 0));
    expect(f.verdict).toBe('benign');
  });

  it('debug_locks 0: not refuted when A -> B comes after an earlier reportable cycle (lockdep was off by then)', async () => {
    // C/D: a certain ABBA before, which lockdep reports (debug_locks_off()); the kernel then records nothing.
    const earlier = (t: MiniTrace) => t.acq(t3, 'C').acq(t3, 'D').rel(t3, 'D').rel(t3, 'C').acq(t3, 'D').acq(t3, 'C').rel(t3, 'C').rel(t3, 'D');
    const { r, f } = await cycleOf(lossyAbba(earlier), withKernel(dump(['A', 'B', 'C', 'D'], [['B', 'A'], ['C', 'D']]), 0));
    expect(f.verdict).toBe('unverified');
    // the earlier cycle is untouched: its closing dependency D -> C is absent from the kernel's graph, as lockdep
    // reports before adding it (print_circular_bug()), and it stays a deadlock
    expect(deadlocks(r).map(classSet)).toEqual([['C', 'D']]);
  });

  it('no --lockdep-stats: debug_locks unknown, taken as possibly 0', async () => {
    const earlier = (t: MiniTrace) => t.acq(t3, 'C').acq(t3, 'D').rel(t3, 'D').rel(t3, 'C').acq(t3, 'D').acq(t3, 'C').rel(t3, 'C').rel(t3, 'D');
    const text = dump(['A', 'B', 'C', 'D'], [['B', 'A'], ['C', 'D']]);
    expect((await cycleOf(lossyAbba(earlier), withKernel(text))).f.verdict).toBe('unverified');
    expect((await cycleOf(lossyAbba(), withKernel(text))).f.verdict).toBe('benign');
  });

  it('a dependency from certain state the kernel lacks is a discrepancy (caveat), never a refutation: the deadlock stays', async () => {
    const t = new MiniTrace().acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A')
      .acq(t2, 'B').acq(t2, 'A').rel(t2, 'A').rel(t2, 'B');
    const r = await replay(t, withKernel(dump(['A', 'B'], [['B', 'A']]), 1));
    const [f] = deadlocks(r);
    expect(classSet(f)).toEqual(['A', 'B']);
    expect(f.caveats?.join(' ')).toMatch(/kernel graph discrepancy: lockdep.txt has no path for A -> B, which the replay recorded with certain held state/);
  });
});

describe('replay --lockdep: irq-safe -> irq-unsafe pairs', () => {
  const irq = task('swapper/0', 0, 0, 'd.h1.');
  const kt = task('kthread_a', 101, 1, 'd...1');
  const other = task('kthread_b', 102, 1);
  /** safe_lock (hardirq-safe) -> mid_lock, then mid_lock held across a loss -> unsafe_lock (taken with irqs on elsewhere). */
  const bridge = () => new MiniTrace().touch(irq, 'safe_lock')
    .acq(kt, 'safe_lock').acq(kt, 'mid_lock').rel(kt, 'mid_lock').rel(kt, 'safe_lock')
    .acq(kt, 'mid_lock').raw('CPU:1 [LOST 3 EVENTS]').acq(kt, 'unsafe_lock').rel(kt, 'unsafe_lock')
    .touch(on(other, {}), 'unsafe_lock');
  const classes = ['safe_lock', 'mid_lock', 'unsafe_lock'];

  it('a pair whose only path needs an uncertain dependency lockdep never recorded is benign (refuted)', async () => {
    const before = findingsOf(await replay(bridge()), 'irq-safe-unsafe');
    expect(before.map((f) => f.verdict)).toEqual(['unverified']);
    const [f] = findingsOf(await replay(bridge(), withKernel(dump(classes, [['safe_lock', 'mid_lock']]), 1)), 'irq-safe-unsafe');
    expect(f.verdict).toBe('benign');
    expect(f.reason).toMatch(/^refuted-by-kernel-graph: mid_lock -> unsafe_lock was/);
  });

  it('stays unverified when the kernel has that dependency', async () => {
    const text = dump(classes, [['safe_lock', 'mid_lock'], ['mid_lock', 'unsafe_lock']]);
    const [f] = findingsOf(await replay(bridge(), withKernel(text, 1)), 'irq-safe-unsafe');
    expect(f.verdict).toBe('unverified');
  });
});

describe('replay --lockdep on the command line', () => {
  const trace = join(ROOT, 'traces/perf-script-abba-lr_mutex.txt');
  const dumpFile = join(ROOT, 'traces/examples/abba.lockdep.txt');
  it('refuses several captures with one boot\'s graph, stats without a dump, and a file that is no dump: one line, exit 2', () => {
    const many = cli('replay', trace, trace, '--lockdep', dumpFile);
    expect([many.status, many.stderr.trim()]).toEqual([2, "lockreplay: --lockdep: is one boot's graph: give one trace capture (add --one-capture if the inputs are pieces of one recording), no graph files"]);
    const stats = cli('replay', trace, '--lockdep-stats', dumpFile);
    expect([stats.status, stats.stderr.trim()]).toEqual([2, 'lockreplay: --lockdep-stats: needs --lockdep (the /proc/lockdep of the same boot)']);
    const notDump = cli('replay', trace, '--lockdep', trace);
    expect(notDump.status).toBe(2);
    expect(notDump.stderr).toMatch(/^lockreplay: .*perf-script-abba-lr_mutex\.txt:1: not a \/proc\/lockdep dump/);
  });

  it('one capture with its dump: replays (--one-capture joins pieces of one recording)', () => {
    const r = cli('replay', trace, trace, '--one-capture', '--lockdep', dumpFile, '--format', 'json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
  });
});
