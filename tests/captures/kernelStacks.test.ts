/**
 * The *-stacks captures (../shared/traces/<scenario>-stacks/<form>/, 6.1, one
 * boot per form): lockreplay finds the kernel's splat (dmesg.txt) and, for each
 * dependency of the cycle (each `-> #N (class):` entry) or the irq usage
 * (`{IN-HARDIRQ-W} state was registered at:`), shows the frames lockdep printed
 * for it, in the same order, below the lock call. lockdep's stacks start in its
 * validation (`__lock_acquire`, `lock_acquire+0xf3`), the captures' in the
 * tracepoint (`trace_event_raw_event_lock_acquire`, `lock_acquire+0x71`): those
 * tracing frames are the only ones that differ, and both are dropped here and
 * in the reports. trace-cmd report text prints function names without offsets,
 * so that form is compared by function; the others by function and offset.
 * The syzbot title's function is lockdep's `at:` of the acquisition it validated. The irq
 * inversion cannot be judged from the two forms without irq flags (see there); perf.data
 * carries them (common_flags), so the perf recordings show it read natively. perf's callchains
 * start at the tracepoint's caller (`lock_acquire+0x71`, perf_fetch_caller_regs()).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_TRACES } from '../helpers/cli.ts';
import { runReplay, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { belowLockAcquire, frameKey, parseSplat } from './dmesgStacks.ts';

/** `irqFlags`: the form shows each event's irq context (the flags column, common_flags). */
/** `kallsyms`: the guest's /proc/kallsyms beside the capture (--kallsyms; perf.data stores none). */
const FORMS: { form: string; dir: string; file: string; offsets: boolean; irqFlags: boolean; kallsyms?: string }[] = [
  { form: 'ftrace', dir: 'ftrace', file: 'trace.txt.xz', offsets: true, irqFlags: true },
  { form: 'trace.dat', dir: 'tc', file: 'trace.dat.xz', offsets: true, irqFlags: true },
  { form: 'trace-cmd report', dir: 'tc', file: 'trace-cmd-report.txt.xz', offsets: false, irqFlags: false },
  { form: 'perf.data', dir: 'perf', file: 'perf.data.xz', offsets: true, irqFlags: true, kallsyms: 'kallsyms.txt.xz' },
  { form: 'perf script', dir: 'perf', file: 'perf-script.txt.xz', offsets: true, irqFlags: false },
];
const SCENARIOS = ['abba', 'wq_flush', 'irq_inversion'];

const HAVE = existsSync(join(SHARED_TRACES, 'abba-stacks'));

describe.skipIf(!HAVE)('call stacks against lockdep\'s (dmesg.txt of the same boot)', () => {
  for (const scenario of SCENARIOS) {
    for (const { form, dir, file, offsets, irqFlags, kallsyms } of FORMS) {
      it(`${scenario} / ${form}`, async () => {
        const base = join(SHARED_TRACES, `${scenario}-stacks`, dir);
        const splat = parseSplat(readFileSync(join(base, 'dmesg.txt'), 'utf8'))!;
        expect(splat.stacks.length).toBeGreaterThan(0);
        const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [join(base, file)], kallsyms: kallsyms && join(base, kallsyms) });
        const key = (frames: string[] | undefined) => (frames ?? []).map((f) => frameKey(f, offsets));
        if (splat.header.includes('circular locking')) {
          const classes = splat.stacks.map((s) => s.cls).sort();
          const f = r.findings.find((x) => x.kind === 'circular-dependency' && [...x.classes].sort().join('|') === classes.join('|'));
          expect(f, `cycle over ${classes.join(', ')}`).toBeDefined();
          for (const s of splat.stacks) {
            const d = f!.dependencies.find((x) => x.to === s.cls)!;
            expect(key(d.first.stack), `${s.label} (${s.cls})`).toEqual(key(belowLockAcquire(s.frames)));
          }
          expect(f!.syzbotTitle).toBe(`possible deadlock in ${splat.acquiringAt}`);
          const closing = f!.dependencies[f!.closingDependency!];
          expect(key(closing.first.heldStack).find((fn) => !/^(__)?mutex_|_raw_spin_/.test(fn))?.replace(/\+.*/, '')).toBe(splat.holdingAt);
        } else if (!irqFlags) {
          // An inconsistent irq state needs the irq context of both acquisitions; trace-cmd report text
          // (without -l) and perf script print none, so every event counts as its task's and the
          // {IN-HARDIRQ-W} usage is never set: not found, and the input says why (read trace.dat or
          // perf.data instead, which carry common_flags).
          expect(r.findings.some((x) => x.kind === 'inconsistent-irq-state')).toBe(false);
          // (no flags column is normal for these forms: an observation, not a warning of damage)
          expect(r.observations.find((w) => w.kind === 'no-flags-column')?.count).toBeGreaterThan(0);
        } else {
          const usage = splat.stacks[0];
          const f = r.findings.find((x) => x.kind === 'inconsistent-irq-state' && x.classes[0] === usage.cls);
          expect(f, `inconsistent usage of ${usage.cls}`).toBeDefined();
          const ev = f!.evidence!.find((e) => e.role.startsWith(`{${usage.label}}`))!;
          expect(key(ev.at.stack), usage.label).toEqual(key(belowLockAcquire(usage.frames)));
          expect(f!.syzbotTitle).toBe(`inconsistent lock state in ${splat.acquiringAt}`);
        }
      }, 120_000);
    }
  }
});
