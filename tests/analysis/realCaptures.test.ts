/**
 * The analysis rules on the real captures (../shared/traces): reclaim carries
 * the fs_reclaim explanation, wq_flush the workqueue one, wq_unused gives no
 * deadlock (per-workqueue classes), and irq-safe-unsafe invents nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { classSet } from '../helpers/miniTrace.ts';

const TRACES = join(process.cwd(), '..', 'shared', 'traces');
const cap = (name: string) => join(TRACES, name, 'trace.txt.xz');
const run = (name: string) => runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [cap(name)] });

describe.skipIf(!existsSync(cap('reclaim')))('real capture: reclaim', () => {
  it('the lr_reclaim_mutex <-> fs_reclaim cycle carries the fs_reclaim explanation', async () => {
    const r = await run('reclaim');
    const f = r.findings.find((x) => x.kind === 'circular-dependency' && classSet(x).join() === 'fs_reclaim,lr_reclaim_mutex')!;
    expect(f.verdict).toBe('deadlock');
    expect(f.explanation).toMatch(/^lr_reclaim_mutex is held across a memory allocation that may enter filesystem reclaim/);
    expect(f.explanation).toMatch(/lr1_reclaim\/\d+ at .*trace\.txt\.xz:\d+/);
    expect(f.explanation).toMatch(/inside reclaim context .*lr2_reclaim\/\d+/);
    expect(f.explanation).toMatch(/GFP_NOFS/);
  });
});

describe.skipIf(!existsSync(cap('wq_flush')))('real capture: wq_flush', () => {
  it('the flush cycle is a deadlock with the workqueue explanation', async () => {
    const r = await run('wq_flush');
    const f = r.findings.find((x) => x.kind === 'circular-dependency' && x.verdict === 'deadlock')!;
    expect(classSet(f)).toEqual(['(work_completion)(&lr_work)', '(wq_completion)lr_wq', 'lr_wq_mutex']);
    expect(f.explanation).toMatch(/flush_workqueue\(\)/);
  });
});

describe.skipIf(!existsSync(cap('wq_unused')))('real capture: wq_unused', () => {
  it('destroying the never-used second lr_dup workqueue under the mutex is no deadlock', async () => {
    const r = await run('wq_unused');
    expect(r.findings.filter((f) => f.verdict === 'deadlock')).toEqual([]);
  });
});

describe.skipIf(!existsSync(cap('none')))('real capture: none', () => {
  it('no irq-safe -> irq-unsafe deadlock on a silent boot', async () => {
    const r = await run('none');
    expect(r.findings.filter((f) => f.kind === 'irq-safe-unsafe' && f.verdict === 'deadlock')).toEqual([]);
  });
});
