/**
 * Builds small ftrace text traces in the kernel's own line layout
 * (`"%16s-%-7d [%03d] %s %5lu.%06lu: %s: %s"`, kernel/trace/trace_output.c),
 * writes them to a temp file and replays them through the real pipeline.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay, DEFAULT_RUN_OPTIONS, type RunOptions } from '../../src/pipeline/runReplay.ts';
import type { ReplayResult } from '../../src/report/result.ts';
import type { Finding } from '../../src/analysis/findings.ts';

export const HEADER = [
  '# tracer: nop',
  '#',
  '# entries-in-buffer/entries-written: 100/100   #P:4',
  '#',
  '#                                _-----=> irqs-off/BH-disabled',
  '#                               / _----=> need-resched',
  '#                              | / _---=> hardirq/softirq',
  '#                              || / _--=> preempt-depth',
  '#                              ||| / _-=> migrate-disable',
  '#                              |||| /     delay',
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |         |   |||||     |         |',
];

export interface Ctx {
  comm: string;
  pid: number;
  cpu: number;
  /** 5-character flags column, e.g. '.....', 'd.h1.', '..s1.' */
  flags?: string;
}

/** Well-known fake lock instance addresses per name, so tests read like the kernel trace. */
const addrs = new Map<string, string>();
export function addrOf(name: string): string {
  let a = addrs.get(name);
  if (!a) {
    a = 'ffffffffa' + (0x1000 + addrs.size * 0x40).toString(16).padStart(7, '0');
    addrs.set(name, a);
  }
  return a;
}

/** A trace under construction; timestamps advance by 1 µs per line unless set. */
export class MiniTrace {
  readonly lines: string[] = [...HEADER];
  private usec = 10_000_000;

  setTime(seconds: number): this {
    this.usec = Math.round(seconds * 1e6);
    return this;
  }

  raw(line: string): this {
    this.lines.push(line);
    return this;
  }

  event(c: Ctx, name: string, body: string): this {
    const sec = Math.floor(this.usec / 1e6), us = this.usec % 1e6;
    const comm = c.comm.padStart(16);
    const pid = String(c.pid).padEnd(7);
    const cpu = String(c.cpu).padStart(3, '0');
    const ts = String(sec).padStart(5) + '.' + String(us).padStart(6, '0');
    this.lines.push(`${comm}-${pid} [${cpu}] ${c.flags ?? '.....'} ${ts}: ${name}: ${body}`);
    this.usec += 1;
    return this;
  }

  /** lock_acquire; `mode` may be 'try', 'read', 'try read'. `addr` overrides the per-name address. */
  acq(c: Ctx, name: string, opts: { mode?: string; addr?: string } = {}): this {
    const a = opts.addr ?? addrOf(name);
    return this.event(c, 'lock_acquire', `${a} ${opts.mode ? opts.mode + ' ' : ''}${name}`);
  }

  rel(c: Ctx, name: string, opts: { addr?: string } = {}): this {
    return this.event(c, 'lock_release', `${opts.addr ?? addrOf(name)} ${name}`);
  }

  /** lock_acquired (LOCK_STAT, only from LOCK_CONTENDED(): the lock is a real one, not a lockdep_map). */
  acquired(c: Ctx, name: string, opts: { addr?: string } = {}): this {
    return this.event(c, 'lock_acquired', `${opts.addr ?? addrOf(name)} ${name}`);
  }

  /** acquire then release (a zero-length section: lock_map touch, or a nested-free lock). */
  touch(c: Ctx, name: string, opts: { mode?: string; addr?: string } = {}): this {
    return this.acq(c, name, opts).rel(c, name, opts);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

export const task = (comm: string, pid: number, cpu: number, flags = '.....'): Ctx => ({ comm, pid, cpu, flags });
export const on = (c: Ctx, patch: Partial<Ctx>): Ctx => ({ ...c, ...patch });

/** Writes the text to a temp file (kept only for the call) and replays it. */
export async function replayText(text: string, extra: Partial<RunOptions> = {}): Promise<ReplayResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lockreplay-test-'));
  const file = join(dir, 'trace.txt');
  try {
    writeFileSync(file, text);
    return await runReplay({ ...DEFAULT_RUN_OPTIONS, ...extra, inputs: [file] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const replay = (t: MiniTrace, extra: Partial<RunOptions> = {}) => replayText(t.text(), extra);

/** Replay options with one replay setting changed (e.g. the workqueue model). */
export const withReplay = (patch: Partial<RunOptions['replay']>): Partial<RunOptions> => ({
  replay: { ...DEFAULT_RUN_OPTIONS.replay, ...patch },
});

export function findingsOf(r: ReplayResult, kind?: Finding['kind']): Finding[] {
  return r.findings.filter((f) => kind === undefined || f.kind === kind);
}

export function deadlocks(r: ReplayResult): Finding[] {
  return r.findings.filter((f) => f.verdict === 'deadlock');
}

/** Sorted class names of a finding, lockdep's #N suffix removed. */
export function classSet(f: Finding): string[] {
  return [...new Set(f.classes.map((c) => c.replace(/#\d+$/, '')))].sort();
}

/** The count of a warning or observation kind (src/decode/warnings.ts OBSERVATION_KINDS). */
export function warningCount(r: ReplayResult, kind: string): number {
  return [...r.warnings, ...r.observations].find((w) => w.kind === kind)?.count ?? 0;
}
