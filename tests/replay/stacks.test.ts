/**
 * Call stacks in (replay/stackPairing.ts): ftrace's `<stack trace>` entries go
 * to the event they were recorded for (per CPU, latest waiting event, of the
 * kind the handler frame names), whatever lies between, whatever the block
 * size and worker count; dependencies carry the acquisition's stack and the
 * held lock's. Built with the kernel's own line layout (helpers/miniTrace.ts).
 */
import { describe, it, expect } from 'vitest';
import { MiniTrace, task, on, replay, replayText, warningCount, type Ctx } from '../helpers/miniTrace.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderText } from '../../src/report/text.ts';
import { renderHtml } from '../../src/report/html.ts';
import { replayTraces, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const t1 = task('lr1_st', 100, 0), t2 = task('lr2_st', 101, 1);

/** ftrace's stack entry after an event: `<stack trace>` on the event's CPU, then ` => ` frames. */
function stack(t: MiniTrace, c: Ctx, frames: string[]): MiniTrace {
  t.event(c, '<stack trace>', '').lines[t.lines.length - 1] = t.lines[t.lines.length - 1].replace(/: $/, '');
  for (const f of frames) t.raw(` => ${f}`);
  return t;
}

const ACQ = ['trace_event_raw_event_lock_acquire+0xc5/0xd4', 'lock_acquire+0x71/0x20a'];
const REL = ['trace_event_raw_event_lock+0xa4/0xaf', 'lock_release+0x50/0x1fa'];
const path = (fn: string) => [...ACQ, '__mutex_lock+0x8d/0x393', `${fn} [lrmod]`, 'kthread+0xbe/0xc6', 'ret_from_fork+0x1f/0x30'];
const relPath = (fn: string) => [...REL, '__mutex_unlock_slowpath+0x25/0x1c0', `${fn} [lrmod]`];

/** An ABBA pair, every event followed by its stack; t1's events and stacks interleaved with t2's lines. */
function abba(): MiniTrace {
  const t = new MiniTrace();
  t.acq(t1, 'A');
  t.acq(t2, 'X'); // another CPU's event between t1's event and its stack
  stack(t, t1, path('outer_a+0x10/0x40'));
  stack(t, t2, path('other_x+0x1/0x2'));
  t.acq(t1, 'B');
  // an interrupt on t1's CPU between its event and its stack: its own event + stack come first (nested)
  const irq = on(t1, { flags: 'd.h1.' });
  t.acq(irq, 'I');
  stack(t, irq, [...ACQ, '_raw_spin_lock+0x2b/0x5c', 'irq_fn+0xc/0x2e [lrmod]', '__hrtimer_run_queues+0x106/0x1bf']);
  t.rel(irq, 'I');
  stack(t, irq, relPath('irq_fn+0x20/0x2e'));
  stack(t, t1, path('inner_b+0x23/0x40'));
  t.rel(t1, 'B');
  stack(t, t1, relPath('inner_b+0x30/0x40'));
  t.rel(t1, 'A');
  stack(t, t1, relPath('outer_a+0x30/0x40'));
  t.acq(t2, 'B');
  stack(t, t2, path('inner_x+0x5/0x40'));
  // a stack of a tracepoint the replay skips: goes to no event
  t.event(t2, 'sched_waking', 'comm=x pid=1 prio=120 target_cpu=000');
  stack(t, t2, ['trace_event_raw_event_sched_wakeup_template+0x10/0x20', 'try_to_wake_up+0x1/0x2']);
  t.acq(t2, 'A');
  stack(t, t2, path('closer+0x7/0x40'));
  t.rel(t2, 'A').rel(t2, 'B').rel(t2, 'X');
  return t;
}

describe('stacks from ftrace text', () => {
  it('each dependency carries its acquisition stack and the held lock\'s, tracing frames dropped', async () => {
    const r = await replay(abba());
    const cycle = r.findings.find((f) => f.kind === 'circular-dependency')!;
    const ab = cycle.dependencies.find((d) => d.from === 'A' && d.to === 'B')!;
    const ba = cycle.dependencies.find((d) => d.from === 'B' && d.to === 'A')!;
    expect(ab.first.stack).toEqual(['__mutex_lock+0x8d/0x393', 'inner_b+0x23/0x40 [lrmod]', 'kthread+0xbe/0xc6', 'ret_from_fork+0x1f/0x30']);
    expect(ab.first.heldStack?.[1]).toBe('outer_a+0x10/0x40 [lrmod]');
    expect(ba.first.stack?.[1]).toBe('closer+0x7/0x40 [lrmod]');
    expect(ba.first.heldStack?.[1]).toBe('inner_x+0x5/0x40 [lrmod]');
    expect(warningCount(r, 'stack-unpaired')).toBe(0);
    expect(warningCount(r, 'unparsed-line')).toBe(0);
    // syzbot's title names lockdep's `at:` of the closing acquisition: the caller of the mutex API
    expect(cycle.syzbotTitle).toBe('possible deadlock in closer');
    // text: print_circular_bug()'s chain, #1 the dependency into the held lock B, #0 the closing one
    const text = renderText(r);
    expect(text).toContain('   syzbot title: possible deadlock in closer');
    const chain = text.slice(text.indexOf('the existing dependency chain (in reverse order) is:'));
    expect(chain.split('\n').slice(2, 5)).toEqual(['-> #1 (B):', '       __mutex_lock+0x8d/0x393', '       inner_b+0x23/0x40 [lrmod]']);
    expect(chain).toContain('-> #0 (A):\n       __mutex_lock+0x8d/0x393\n       closer+0x7/0x40 [lrmod]');
    // HTML: the title, each stack collapsible
    const html = renderHtml(r);
    expect(html).toContain('syzbot title: <code>possible deadlock in closer</code>');
    expect(html).toMatch(/<details class="stack"><summary>call stack \(4 frames\)<\/summary><pre>__mutex_lock\+0x8d\/0x393\ninner_b/);
    // stack rows are not events: 6 acquires + 6 releases (sched_waking is skipped)
    expect(r.stats.events).toBe(12);
  });

  it('the same report whatever the block size and worker count (stacks straddle blocks)', async () => {
    const text = abba().text();
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-stacks-'));
    try {
      const file = join(dir, 't.txt');
      writeFileSync(file, text);
      const base = renderJson((await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: [file] })).result);
      expect(base).toContain('closer+0x7/0x40 [lrmod]');
      for (const frameBytes of [40, 97, 256, 1024]) {
        for (const workers of [1, 2]) {
          const r = await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: [file], workers, frameBytes });
          expect(renderJson(r.result), `workers=${workers} chunk=${frameBytes}`).toBe(base);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a stack with no event of its kind waiting is counted, not guessed', async () => {
    const t = new MiniTrace();
    t.acq(t1, 'A');
    stack(t, t1, path('a+0x1/0x2'));
    stack(t, t1, path('again+0x1/0x2')); // a second lock_acquire stack, no acquire waiting
    t.rel(t1, 'A');
    const r = await replay(t);
    expect(warningCount(r, 'stack-unpaired')).toBe(1);
  });

  it('a capture without stacks builds no stack table', async () => {
    const t = new MiniTrace().acq(t1, 'A').acq(t1, 'B').rel(t1, 'B').rel(t1, 'A');
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-nostacks-'));
    try {
      const file = join(dir, 't.txt');
      writeFileSync(file, t.text());
      const run = await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: [file] });
      expect(run.replayer.stacks.stacks).toBe(0);
      expect(JSON.stringify(run.result)).not.toContain('"stack"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trace-cmd report text: kernel_stack entries with `=> func (addr)` frames', async () => {
    const ev = (comm: string, cpu: number, us: number, body: string) =>
      `${comm.padStart(15)}   [00${cpu}]    10.${String(us).padStart(6, '0')}: ${body}`;
    const st = (comm: string, cpu: number, us: number, fn: string, extra: string[] = []) => [
      ev(comm, cpu, us, 'kernel_stack:         <stack trace >'),
      '=> trace_event_raw_event_lock_acquire (ffffffff8107b726)',
      '=> lock_acquire (ffffffff8108177f)',
      '=> __mutex_lock (ffffffff81380e86)',
      `=> ${fn}`,
      ...extra,
    ];
    const lines = [
      'cpus=2',
      ev('lr1_st-100', 0, 1, 'lock_acquire:         0xffffffffa0001000 A'),
      ...st('lr1_st-100', 0, 2, 'outer (ffffffffa00003eb)'),
      ev('lr1_st-100', 0, 3, 'lock_acquire:         0xffffffffa0001040 B'),
      ...st('lr1_st-100', 0, 4, 'inner (ffffffffa00003ff)', ['=> ffffffffa00093d1']),
      ev('lr1_st-100', 0, 5, 'lock_release:         0xffffffffa0001040 B'),
      ev('lr1_st-100', 0, 6, 'lock_release:         0xffffffffa0001000 A'),
      ev('lr2_st-101', 1, 7, 'lock_acquire:         0xffffffffa0001040 B'),
      ...st('lr2_st-101', 1, 8, 'other (ffffffffa0000400)'),
      ev('lr2_st-101', 1, 9, 'lock_acquire:         0xffffffffa0001000 A'),
      ...st('lr2_st-101', 1, 10, 'closer (ffffffffa0000500)'),
      ev('lr2_st-101', 1, 11, 'lock_release:         0xffffffffa0001000 A'),
      ev('lr2_st-101', 1, 12, 'lock_release:         0xffffffffa0001040 B'),
    ];
    const r = await replayText(lines.join('\n') + '\n');
    expect(warningCount(r, 'unparsed-line')).toBe(0);
    expect(r.stats.events).toBe(8);
    const cycle = r.findings.find((f) => f.kind === 'circular-dependency')!;
    const ab = cycle.dependencies.find((d) => d.from === 'A' && d.to === 'B')!;
    expect(ab.first.stack).toEqual(['__mutex_lock', 'inner', '0xffffffffa00093d1']);
    expect(ab.first.heldStack).toEqual(['__mutex_lock', 'outer']);
  });

  it('perf script: callchains after kept samples (tab-indented), skipped samples\' chains ignored, any frame size', async () => {
    const sample = (comm: string, pid: number, cpu: number, us: number, ev: string, body: string) =>
      `${comm.padStart(16)} ${String(pid).padStart(5)} [00${cpu}]    10.${String(us).padStart(6, '0')}: ${ev.padStart(24)}: ${body}`;
    const chain = (...frames: string[]) => [...frames.map((f) => `\t${f}`), ''];
    const acq = (fn: string) => chain('ffffffff8108177f lock_acquire+0x71 ([kernel.kallsyms])', 'ffffffff81380e86 __mutex_lock+0x8d ([kernel.kallsyms])', `ffffffffa00003eb ${fn} ([lrmod])`, 'ffffffff8105c547 kthread+0xbe ([kernel.kallsyms])');
    const rel = chain('ffffffff81081373 lock_release+0x50 ([kernel.kallsyms])', 'ffffffffa00003ff x+0x1 ([lrmod])');
    const lines = [
      sample('cc1', 100, 0, 1, 'lock:lock_acquire', '0xffffffffa0001000 A'), ...acq('outer+0xf'),
      sample('cc1', 100, 0, 2, 'sched:sched_waking', 'comm=x pid=1 prio=120 target_cpu=000'), ...chain('ffffffff81000000 try_to_wake_up+0x1 ([kernel.kallsyms])'),
      sample('cc1', 100, 0, 3, 'lock:lock_acquire', '0xffffffffa0001040 B'), ...acq('inner+0x23'),
      sample('cc1', 100, 0, 4, 'lock:lock_release', '0xffffffffa0001040 B'), ...rel,
      sample('cc1', 100, 0, 5, 'lock:lock_release', '0xffffffffa0001000 A'), ...rel,
      sample('lr2', 101, 1, 6, 'lock:lock_acquire', '0xffffffffa0001040 B'), ...acq('other+0x5'),
      sample('lr2', 101, 1, 7, 'lock:lock_acquire', '0xffffffffa0001000 A'), ...acq('closer+0x7'),
      sample('lr2', 101, 1, 8, 'lock:lock_release', '0xffffffffa0001000 A'), ...rel,
      sample('lr2', 101, 1, 9, 'lock:lock_release', '0xffffffffa0001040 B'), ...rel,
    ];
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-perfstacks-'));
    const file = join(dir, 'perf.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    let base: string | undefined;
    for (const frameBytes of [64, 300, 1 << 20]) {
      const r = (await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: [file], frameBytes })).result;
      expect(warningCount(r, 'unparsed-line')).toBe(0);
      expect(r.stats.events).toBe(8);
      const cycle = r.findings.find((f) => f.kind === 'circular-dependency')!;
      const ab = cycle.dependencies.find((d) => d.from === 'A' && d.to === 'B')!;
      expect(ab.first.stack).toEqual(['__mutex_lock+0x8d', 'inner+0x23 [lrmod]', 'kthread+0xbe']);
      expect(ab.first.heldStack?.[1]).toBe('outer+0xf [lrmod]');
      expect(cycle.syzbotTitle).toBe('possible deadlock in closer');
      const json = renderJson(r);
      if (base === undefined) base = json;
      else expect(json, `frameBytes=${frameBytes}`).toBe(base);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('trace-cmd report of two instances: the other instance\'s stack frames never join a kept stack', async () => {
    const ev = (inst: string, us: number, body: string) => `${inst}:         lr1_st-100   [000]    10.${String(us).padStart(6, '0')}: ${body}`;
    const lines = [
      'cpus=2',
      ev('lr', 1, 'lock_acquire:         0xffffffffa0001000 A'),
      ev('lr', 2, 'kernel_stack:         <stack trace >'),
      '=> trace_event_raw_event_lock_acquire (ffffffff8107b726)',
      '=> lock_acquire (ffffffff8108177f)',
      '=> outer (ffffffffa00003eb)',
      ev('other', 3, 'kernel_stack:         <stack trace >'),
      '=> not_ours (ffffffff81000000)',
      ev('lr', 4, 'lock_acquire:         0xffffffffa0001040 B'),
      ev('lr', 5, 'kernel_stack:         <stack trace >'),
      '=> trace_event_raw_event_lock_acquire (ffffffff8107b726)',
      '=> lock_acquire (ffffffff8108177f)',
      '=> inner (ffffffffa00003ff)',
      ev('lr', 6, 'lock_release:         0xffffffffa0001040 B'),
      ev('lr', 7, 'lock_release:         0xffffffffa0001000 A'),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'lockreplay-inst-'));
    try {
      const file = join(dir, 'report.txt');
      writeFileSync(file, lines.join('\n') + '\n');
      const run = await replayTraces({ ...DEFAULT_RUN_OPTIONS, inputs: [file], instance: 'lr' });
      const st = run.replayer.stacks;
      const texts = Array.from({ length: st.stacks }, (_, k) => Array.from(st.framesOf(k + 1), (f) => st.frame(f).func));
      expect(texts).toEqual([
        ['trace_event_raw_event_lock_acquire', 'lock_acquire', 'outer'],
        ['trace_event_raw_event_lock_acquire', 'lock_acquire', 'inner'],
      ]);
      expect(warningCount(run.result, 'other-instance')).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
