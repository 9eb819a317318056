/**
 * What a capture says about itself, the same in every form (issue 16 items 3,
 * 12, 13):
 *  - the time window comes from every event, sched and friends included, so
 *    a trace.dat and its own `trace-cmd report` text agree;
 *  - a capture without lock events says so, with what to enable, and
 *    `--strict` fails on it; loss and buffer-start markers are not events;
 *  - `trace-cmd report` text gets the per-CPU stream starts trace.dat gets,
 *    and, having no irq flags, proves a lock sleeping (never taken in an
 *    interrupt) when a hold spans a context switch of its holder.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { renderText } from '../../src/report/text.ts';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { ROOT, SHARED_TRACES, cli } from '../helpers/cli.ts';

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-facts-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const replay = (...inputs: string[]) => runReplay({ ...DEFAULT_RUN_OPTIONS, inputs });

const SWITCH = (prev: string, prevPid: number, next: string, nextPid: number) =>
  `sched_switch: prev_comm=${prev} prev_pid=${prevPid} prev_prio=120 prev_state=S ==> next_comm=${next} next_pid=${nextPid} next_prio=120`;

/** `trace-cmd report` text (no -l: no flags column), one line per [comm, pid, cpu, seconds, "event: body"]. */
function report(lines: [string, number, number, number, string][]): string {
  return ['cpus=2', ...lines.map(([comm, pid, cpu, ts, ev]) =>
    `${`${comm}-${pid}`.padStart(16)} [${String(cpu).padStart(3, '0')}] ${ts.toFixed(6).padStart(12)}: ${ev}`)].join('\n') + '\n';
}

describe('time window from every event', () => {
  it('sched events before the first and after the last lock event widen the window (ftrace text)', async () => {
    const t = new MiniTrace().setTime(100);
    const a = task('a', 10, 0);
    t.event(task('<idle>', 0, 0), 'sched_switch', SWITCH('swapper/0', 0, 'a', 10).slice('sched_switch: '.length));
    t.setTime(101).acq(a, 'L').rel(a, 'L');
    t.setTime(102).event(a, 'sched_switch', SWITCH('a', 10, 'swapper/0', 0).slice('sched_switch: '.length));
    const r = await replay(write('sched.txt', t.text()));
    expect(r.stats.otherEvents).toBe(2);
    expect(r.inputs[0].window).toEqual({ first: '100.000000', last: '102.000000' });
  });

  it('trace-cmd report text: the same', async () => {
    const r = await replay(write('sched.report', report([
      ['<idle>', 0, 1, 50, SWITCH('swapper/1', 0, 'a', 10)],
      ['a', 10, 1, 51, 'lock_acquire: 0xffffffffa0001000 L'],
      ['a', 10, 1, 51.5, 'lock_release: 0xffffffffa0001000 L'],
      ['a', 10, 1, 53.25, SWITCH('a', 10, 'swapper/1', 0)],
    ])));
    expect(r.inputs[0].window).toEqual({ first: '50.000000', last: '53.250000' });
  });

  const ABBA = join(SHARED_TRACES, 'abba');
  it.skipIf(!existsSync(join(ABBA, 'trace.dat.xz')))('a trace.dat and its own report text agree, ending at the last event (a contention_end)', async () => {
    const dat = await replay(join(ABBA, 'trace.dat.xz'));
    const text = await replay(join(ABBA, 'trace-cmd-report.txt.xz'));
    expect(dat.inputs[0].window).toEqual({ first: '12.187792685', last: '13.921979518' });
    expect(text.inputs[0].window).toEqual({ first: '12.187793', last: '13.921980' });
    // The same markers: trace.dat's second CPU stream starts with a buffer start, and so does the text's.
    expect(text.stats.bufferStarts).toBe(dat.stats.bufferStarts);
    expect(dat.stats.bufferStarts).toBe(1);
    // The same verdict: lockdep's ABBA, a deadlock in both forms.
    const summary = (fs: typeof dat.findings) => fs.map((f) => `${f.kind} ${f.verdict} ${[...f.classes].sort().join(',')}`);
    expect(summary(text.findings)).toEqual(['circular-dependency deadlock lr_mutex_a,lr_mutex_b']);
    expect(summary(text.findings)).toEqual(summary(dat.findings));
  });
});

describe('captures without lock events', () => {
  it('say so plainly, with what to enable; --strict fails; markers are not events', async () => {
    const t = new MiniTrace().raw('##### CPU 1 buffer started ####');
    t.event(task('<idle>', 0, 1), 'sched_switch', SWITCH('swapper/1', 0, 'bash', 12).slice('sched_switch: '.length));
    t.event(task('bash', 12, 1), 'sched_switch', SWITCH('bash', 12, 'swapper/1', 0).slice('sched_switch: '.length));
    const f = write('nolock.txt', t.text());
    const r = await replay(f);
    expect(r.stats.events).toBe(0);
    expect(r.stats.bufferStarts).toBe(1);
    const w = r.warnings.find((x) => x.kind === 'no-lock-events')!;
    expect(w.first).toEqual([{ input: f, detail: 'no lock_acquire/lock_release events' }]);
    expect(w.text).toMatch(/CONFIG_LOCKDEP/);
    expect(w.text).toMatch(/CONFIG_LOCK_STAT/);
    expect(w.text).toMatch(/-e lock/);
    const text = renderText(r);
    expect(text).toMatch(/no lock events: lockdep was off or the lock events were not traced/);
    expect(text).toMatch(/ 0 events \(/);
    expect(cli('replay', f).status).toBe(0);
    const strict = cli('replay', f, '--strict');
    expect(strict.status).toBe(2);
    // A capture with lock events has no such warning.
    expect((await replay(join(ROOT, 'traces/examples/gate-hotplug.txt'))).warnings.map((x) => x.kind)).not.toContain('no-lock-events');
  });
});

describe('trace-cmd report text without irq flags', () => {
  const L = (op: string, name: string, addr: string) => `${op}: 0xffffffffa000${addr} ${name}`;
  it('a lock held while its holder is switched out is a sleeping lock: the ABBA between two such locks is a deadlock', async () => {
    const r = await replay(write('sleepers.report', report([
      // a sleeps holding M1, c holding M2 (b runs on their CPU meanwhile): both are sleeping locks
      ['a', 10, 0, 1.0, L('lock_acquire', 'M1', '1000')],
      ['b', 20, 0, 1.1, L('lock_acquire', 'X', '3000')],
      ['b', 20, 0, 1.2, L('lock_release', 'X', '3000')],
      ['a', 10, 0, 1.3, L('lock_acquire', 'M2', '2000')],
      ['a', 10, 0, 1.4, L('lock_release', 'M2', '2000')],
      ['a', 10, 0, 1.5, L('lock_release', 'M1', '1000')],
      ['c', 30, 0, 2.0, L('lock_acquire', 'M2', '2000')],
      ['c', 30, 0, 2.1, L('lock_acquire', 'M1', '1000')],
      ['c', 30, 0, 2.4, L('lock_release', 'M1', '1000')],
      ['b', 20, 0, 2.45, L('lock_acquire', 'X', '3000')],
      ['b', 20, 0, 2.46, L('lock_release', 'X', '3000')],
      ['c', 30, 0, 2.5, L('lock_release', 'M2', '2000')],
    ])));
    expect(r.findings.map((f) => f.verdict)).toEqual(['deadlock']);
  });

  it('without such a proof the dependency may be an interrupt\'s lock taken under the task\'s: unverified', async () => {
    const r = await replay(write('spinners.report', report([
      ['d', 40, 1, 0.5, L('lock_acquire', 'Z', '5000')],
      ['d', 40, 1, 0.6, L('lock_release', 'Z', '5000')],
      ['a', 10, 0, 1.0, L('lock_acquire', 'S1', '1000')],
      ['a', 10, 0, 1.3, L('lock_acquire', 'S2', '2000')],
      ['a', 10, 0, 1.4, L('lock_release', 'S2', '2000')],
      ['a', 10, 0, 1.5, L('lock_release', 'S1', '1000')],
      ['c', 30, 1, 2.0, L('lock_acquire', 'S2', '2000')],
      ['c', 30, 1, 2.1, L('lock_acquire', 'S1', '1000')],
      ['c', 30, 1, 2.4, L('lock_release', 'S1', '1000')],
      ['c', 30, 1, 2.5, L('lock_release', 'S2', '2000')],
    ])));
    expect(r.findings.map((f) => [f.verdict, f.reason])).toEqual([[
      'unverified',
      'recorded without irq flags (perf script, or trace-cmd report without -l): 2 dependencies may join an interrupt\'s lock to the interrupted task\'s: S1 -> S2, S2 -> S1',
    ]]);
    // CPU 1's stream starts after CPU 0's: a buffer start, as trace.dat's streams get.
    expect(r.stats.bufferStarts).toBe(1);
  });
});
