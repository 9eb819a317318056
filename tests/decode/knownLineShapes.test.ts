/**
 * Ordinary lines of real text captures are known shapes, never `unparsed-line` warnings: the `version = 6`
 * and `CPU N is empty` headers of older `trace-cmd report` output (header), syscall exits (`sys_x -> 0x0`)
 * and function-tracer lines (`f <-parent`) (other events), and the lines continuing a trace_printk() or
 * trace_marker text with an embedded newline (continuation lines), at any block size and worker count:
 * a continuation line may start a block decoded on another thread. A line of garbage after a lock event
 * is still a warning.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-shapes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `t${n++}.txt`);
  writeFileSync(p, text);
  return p;
}

/** trace-cmd report's line layout ("%16s-%-5d [%03d] %6.1000d: name:<pad> body"). */
const rep = (comm: string, pid: number, cpu: number, ts: string, name: string, body: string) =>
  `${comm.padStart(16)}-${String(pid).padEnd(5)} [${String(cpu).padStart(3, '0')}] ${ts}: ${name.padEnd(21)} ${body}`;
/** The kernel's trace file layout, for tracers whose events have no "name:" (syscalls, function). */
const raw = (comm: string, pid: number, ts: string, text: string) => `${comm.padStart(16)}-${String(pid).padEnd(7)} [000] ..... ${ts}: ${text}`;

const OLD_REPORT = [
  'version = 6',
  'CPU 0 is empty',
  'CPU 3 is empty',
  'cpus=4',
  rep('fio', 402, 1, '30.000001', 'lock_acquire:', '0xffffffffa0001000 lr_a'),
  rep('fio', 402, 1, '30.000002', 'bprint:', 'lr_step: first line of a printk'),
  'second line of the same printk',
  '  and a third, indented',
  rep('fio', 402, 1, '30.000003', 'print:', 'tracing_mark_write: marker text'),
  'continued marker text',
  rep('fio', 402, 1, '30.000004', 'lock_release:', '0xffffffffa0001000 lr_a'),
].join('\n') + '\n';

const TRACE_FILE = [
  '# tracer: nop',
  raw('fio', 402, '30.000001', 'lock_acquire: 0xffffffffa0001000 lr_a'),
  raw('fio', 402, '30.000002', 'sys_pselect6(n: 7, inp: 7ffd, outp: 0, exp: 0, tsp: 0, sig: 7ffd)'),
  raw('fio', 402, '30.000003', 'sys_pselect6 -> 0x0'),
  raw('fio', 402, '30.000004', 'do_sys_open <-do_syscall_64'),
  raw('fio', 402, '30.000005', 'lr_step: a trace_printk with'),
  'an embedded newline',
  raw('fio', 402, '30.000006', 'tracing_mark_write: a marker with'),
  'an embedded newline too',
  raw('fio', 402, '30.000007', 'lock_release: 0xffffffffa0001000 lr_a'),
].join('\n') + '\n';

describe('known line shapes are not warnings', () => {
  it('older trace-cmd report: version / CPU N is empty headers, printk and marker continuations', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [file(OLD_REPORT)] });
    expect(r.warnings).toEqual([]);
    expect(r.stats.events).toBe(3); // acquire, marker, release
    expect(r.stats.otherEvents).toBe(1); // the bprint
    expect(r.stats.continuationLines).toBe(3);
  });

  it('syscall enter/exit and function tracer lines are other events; printk/marker continuations', async () => {
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [file(TRACE_FILE)] });
    expect(r.warnings).toEqual([]);
    expect(r.stats.otherEvents).toBe(4);
    expect(r.stats.continuationLines).toBe(2);
  });

  it('garbage after a lock event is still an unparsed-line warning', async () => {
    const text = TRACE_FILE.replace('an embedded newline too\n', 'an embedded newline too\n' + raw('fio', 402, '30.0000065', 'lock_acquire: 0xffffffffa0002000 lr_b') + '\nnot a trace line\n');
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [file(text)] });
    expect(r.warnings.map((w) => [w.kind, w.count, w.first[0].line])).toEqual([['unparsed-line', 1, 11]]);
    expect(r.stats.continuationLines).toBe(2);
  });

  it('the same at every block size and worker count (a continuation may start a block)', async () => {
    const lines: string[] = ['# tracer: nop'];
    for (let k = 0; k < 200; k++) {
      const ts = `30.${String(k * 10).padStart(6, '0')}`;
      lines.push(raw('fio', 402, ts, `lr_step: printk ${k} with`), `continuation ${k}`, `  and more ${k}`);
      lines.push(raw('fio', 402, ts, 'lock_acquire: 0xffffffffa0001000 lr_a'), raw('fio', 402, ts, 'lock_release: 0xffffffffa0001000 lr_a'));
      if (k % 50 === 7) lines.push(`garbage ${k}`);
    }
    const path = file(lines.join('\n') + '\n');
    const results = [];
    for (const [frameBytes, workers] of [[4 << 20, 1], [61, 1], [97, 2], [512, 2], [1000, 1]]) {
      const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], frameBytes, workers });
      expect(r.stats.continuationLines, `${frameBytes} bytes, ${workers} workers`).toBe(400);
      expect(r.warnings.map((w) => [w.kind, w.count])).toEqual([['unparsed-line', 4]]);
      results.push(JSON.stringify({ ...r, inputs: [] }));
    }
    expect(new Set(results).size).toBe(1);
  });
});
