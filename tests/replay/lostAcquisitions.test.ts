/**
 * Acquisitions whose lock_acquire was lost (src/replay/lostAcquisitions.ts):
 * recovered from lock_contended/lock_acquired, and dependencies inferred from
 * the release order of lost acquisitions — kept as evidence, never proof.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task, replay, findingsOf, classSet, warningCount, addrOf } from '../helpers/miniTrace.ts';
import { cli, SHARED_TRACES } from '../helpers/cli.ts';

const lr1 = task('lr1_abba', 143, 0);
const lr2 = task('lr2_abba', 144, 1);
const acquired = (t: MiniTrace, c: typeof lr1, name: string) => t.event(c, 'lock_acquired', `${addrOf(name)} ${name}`);

/** lr1 takes A then B (seen); lr2's acquisitions of B and A are lost, only lock_acquired(A) and both releases remain. */
function lostSecondHalf(): MiniTrace {
  const t = new MiniTrace();
  t.acq(lr1, 'lr_mutex_a').acq(lr1, 'lr_mutex_b').rel(lr1, 'lr_mutex_b').rel(lr1, 'lr_mutex_a');
  acquired(t, lr2, 'lr_mutex_a');
  return t.rel(lr2, 'lr_mutex_a').rel(lr2, 'lr_mutex_b');
}

describe('recovered acquisitions (lock_contended / lock_acquired of a lock not held)', () => {
  it('pushes the lock as held, so its release matches', async () => {
    const t = new MiniTrace();
    acquired(t, lr2, 'lr_mutex_a');
    t.rel(lr2, 'lr_mutex_a');
    const r = await replay(t);
    expect(warningCount(r, 'recovered-acquire')).toBe(1);
    expect(warningCount(r, 'unheld-release')).toBe(0);
    expect(r.findings).toEqual([]);
  });

  it('does nothing when the lock is held (the normal lock_acquire ... lock_acquired pair)', async () => {
    const t = new MiniTrace();
    t.acq(lr1, 'lr_mutex_a');
    acquired(t, lr1, 'lr_mutex_a');
    t.rel(lr1, 'lr_mutex_a');
    const r = await replay(t);
    expect(warningCount(r, 'recovered-acquire')).toBe(0);
    expect(r.stats.acquires).toBe(1);
  });

  it('dependencies into a recovered lock are uncertain: a cycle through one is unverified', async () => {
    const t = new MiniTrace();
    t.acq(lr1, 'lr_mutex_a').acq(lr1, 'lr_mutex_b').rel(lr1, 'lr_mutex_b').rel(lr1, 'lr_mutex_a');
    t.acq(lr2, 'lr_mutex_b');
    acquired(t, lr2, 'lr_mutex_a');
    t.rel(lr2, 'lr_mutex_a').rel(lr2, 'lr_mutex_b');
    const [f] = findingsOf(await replay(t), 'circular-dependency');
    expect(classSet(f)).toEqual(['lr_mutex_a', 'lr_mutex_b']);
    expect(f.verdict).toBe('unverified');
    expect(f.reason).not.toMatch(/inferred/);
  });
});

describe('dependencies inferred from the release order of lost acquisitions', () => {
  it('finds the cycle whose second half was lost, as unverified, with the inference written down', async () => {
    const r = await replay(lostSecondHalf());
    const [f] = findingsOf(r, 'circular-dependency');
    expect(classSet(f)).toEqual(['lr_mutex_a', 'lr_mutex_b']);
    expect(f.verdict).toBe('unverified');
    expect(f.reason).toMatch(/inferred from lost acquisitions \(release order\), never seen: lr_mutex_b -> lr_mutex_a/);
    const dep = f.dependencies.find((d) => d.from === 'lr_mutex_b')!;
    expect(dep.uncertainOnly).toBe(true);
    expect(dep.first.inferred).toMatch(/lr_mutex_a was released just before lr_mutex_b/);
    expect(dep.first.comm).toBe('lr2_abba');
  });

  it('infers nothing when the inner lock\'s acquisition was seen', async () => {
    const t = new MiniTrace();
    t.acq(lr1, 'lr_mutex_a').acq(lr1, 'lr_mutex_b').rel(lr1, 'lr_mutex_b').rel(lr1, 'lr_mutex_a');
    t.acq(lr2, 'lr_mutex_a').rel(lr2, 'lr_mutex_a').rel(lr2, 'lr_mutex_b');
    const r = await replay(t);
    expect(findingsOf(r, 'circular-dependency')).toEqual([]);
    expect(r.stats.dependencies).toBe(1);
  });

  it('infers nothing when the context did something else in between', async () => {
    const t = lostSecondHalf();
    t.lines.splice(t.lines.length - 1, 0, ...new MiniTrace().acq(lr2, 'other_lock').rel(lr2, 'other_lock').lines.slice(-2));
    const r = await replay(t);
    expect(findingsOf(r, 'circular-dependency')).toEqual([]);
  });

  it('chains consecutive unheld releases outermost-last, and never makes a deadlock', async () => {
    const t = new MiniTrace();
    t.rel(lr2, 'lock_c').rel(lr2, 'lock_b').rel(lr2, 'lock_a');      // held since before the capture: a -> b -> c
    t.acq(lr1, 'lock_c').acq(lr1, 'lock_a').rel(lr1, 'lock_a').rel(lr1, 'lock_c');
    const r = await replay(t);
    const [f] = findingsOf(r, 'circular-dependency');
    expect(classSet(f)).toEqual(['lock_a', 'lock_b', 'lock_c']);
    expect(f.verdict).toBe('unverified');
    expect(r.findings.filter((x) => x.verdict === 'deadlock')).toEqual([]);
  });
});

const PERF = join(SHARED_TRACES, 'abba/perf_rerun/perf-script.txt.xz');
describe.skipIf(!existsSync(PERF))('real perf capture abba/perf_rerun (perf lost lr2\'s lock_acquire events)', () => {
  it('shows the ABBA cycle, unverified, with the inferred dependency named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-perf-'));
    try {
      const out = join(dir, 'r.json');
      const p = cli('replay', PERF, '--format', 'json', '-o', out);
      expect(p.status, p.stderr).toBe(0);
      const r = JSON.parse(readFileSync(out, 'utf8'));
      const f = r.findings.find((x: { kind: string; classes: string[] }) => x.kind === 'circular-dependency' && x.classes.join() === 'lr_mutex_a,lr_mutex_b');
      expect(f).toBeDefined();
      expect(f.verdict).toBe('unverified');
      expect(f.reason).toMatch(/inferred from lost acquisitions.*lr_mutex_b -> lr_mutex_a/);
      const ab = f.dependencies.find((d: { from: string }) => d.from === 'lr_mutex_a');
      expect(ab.first.comm).toBe('lr1_abba');
      expect(ab.uncertainOnly).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
if (!existsSync(PERF)) console.log(`skipped: ${PERF} not present`);
