/**
 * Several inputs to one `replay` are several captures (separate boots) unless
 * the user says they are pieces of one recording (issue 16 item 2):
 * addresses, pids, held stacks, buffer starts and "same instance" never match
 * across captures, and `replay a b` gives what `merge a b` gives.
 * `--one-capture` replays consecutive pieces of one recording as one.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInput } from '../../src/io/openInput.ts';
import type { Finding } from '../../src/analysis/findings.ts';
import { ROOT, cli } from '../helpers/cli.ts';
import { MiniTrace, task } from '../helpers/miniTrace.ts';

const STEP1 = join(ROOT, 'traces/abba-step1.txt.xz');
const STEP2 = join(ROOT, 'traces/abba-step2.txt.xz');
let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-captures-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = (...args: string[]) => {
  const p = cli(...args, '--format', 'json');
  expect(p.stderr).toBe('');
  return { status: p.status, report: JSON.parse(p.stdout) as { findings: Finding[]; inputs: { name: string }[]; stats: { bufferStarts: number } } };
};
const summary = (fs: Finding[]) => fs.map((f) => `${f.kind} ${f.verdict} ${f.classes.join(',')}`);
const isAbba = (f: Finding) => f.kind === 'circular-dependency' && [...f.classes].sort().join() === 'lr_mutex_a,lr_mutex_b';

describe('several inputs are several captures', () => {
  it('replay of the two abba halves gives merge\'s verdict: deadlock (the second half\'s buffer start does not taint the first)', () => {
    const replay = json('replay', STEP1, STEP2);
    const merge = json('merge', STEP1, STEP2, '-o', join(dir, 'halves.json'));
    expect(summary(replay.report.findings)).toEqual(['circular-dependency deadlock lr_mutex_a,lr_mutex_b']);
    expect(replay.status).toBe(1);
    expect(summary(merge.report.findings)).toEqual(summary(replay.report.findings));
    expect(merge.status).toBe(1);
    // Both halves' buffer starts are still counted, each in its own capture.
    expect(replay.report.stats.bufferStarts).toBe(2);
    // Same findings, evidence and all, whichever command.
    expect(replay.report.findings).toEqual(merge.report.findings);
    // And the store, one ingest per capture: the same finding (same ID), the same verdict.
    const db = join(dir, 'halves.db');
    expect(cli('ingest', STEP1, '--store', db, '--kernel', '6.1', '--capture', 'm1').status).toBe(0);
    expect(cli('ingest', STEP2, '--store', db, '--kernel', '6.1', '--capture', 'm2').status).toBe(0);
    const store = cli('findings', '--store', db);
    expect(store.stdout).toContain(`${replay.report.findings[0].id}  deadlock`);
    expect(store.stdout).toMatch(/across captures: deadlock \(m1, m2\)/);
  });

  it('a gate lock instance never matches across captures (same address, different boots)', () => {
    const a = task('lr1', 100, 0), b = task('lr2', 200, 1);
    const t1 = new MiniTrace().acq(a, 'G').acq(a, 'A').acq(a, 'B').rel(a, 'B').rel(a, 'A').rel(a, 'G');
    const t2 = new MiniTrace().setTime(20).acq(b, 'G').acq(b, 'B').acq(b, 'A').rel(b, 'A').rel(b, 'B').rel(b, 'G');
    writeFileSync(join(dir, 'boot1.txt'), t1.text());
    writeFileSync(join(dir, 'boot2.txt'), t2.text());
    const boots = [join(dir, 'boot1.txt'), join(dir, 'boot2.txt')];
    const two = json('replay', ...boots);
    expect(summary(two.report.findings)).toEqual(['circular-dependency deadlock A,B']);
    expect(summary(json('merge', ...boots, '-o', join(dir, 'boots.json')).report.findings)).toEqual(summary(two.report.findings));
    // Told they are one recording, G is one instance held around both orders: benign.
    const one = json('replay', '--one-capture', ...boots);
    expect(one.report.findings.map((f) => `${f.verdict}: ${f.reason}`)).toEqual([
      'benign: gate lock: every dependency of the cycle was recorded while holding G (the same instance), so the two sides can never run at the same time',
    ]);
  });

  it('--one-capture replays consecutive pieces of one recording as the whole; apart, a lock held across the cut is not', async () => {
    // traces/abba.trace.txt.xz cut between lr1_abba's lock(lr_mutex_a) (line 6978) and lock(lr_mutex_b) (line 7265),
    // as a trace_pipe log split in two files would be: the second piece has no header.
    const input = await openInput(join(ROOT, 'traces/abba.trace.txt.xz'));
    const parts: Buffer[] = [];
    for await (const c of input.chunks) parts.push(Buffer.from(c));
    const lines = Buffer.concat(parts).toString('utf8').split('\n');
    const p1 = join(dir, 'piece1.txt'), p2 = join(dir, 'piece2.txt');
    writeFileSync(p1, lines.slice(0, 7100).join('\n') + '\n');
    writeFileSync(p2, lines.slice(7100).join('\n'));
    const whole = json('replay', join(ROOT, 'traces/abba.trace.txt.xz'));
    const pieces = json('replay', '--one-capture', p1, p2);
    expect(summary(pieces.report.findings)).toEqual(summary(whole.report.findings));
    expect(pieces.report.findings.filter(isAbba).map((f) => f.verdict)).toEqual(['deadlock']);
    expect(pieces.status).toBe(1);
    const apart = json('replay', p1, p2);
    expect(apart.report.findings.filter(isAbba)).toEqual([]);
    // --capture names one capture: with two captures it is refused, with --one-capture it is taken.
    const refused = cli('replay', p1, p2, '--capture', 'x', '--save-graph', join(dir, 'x.json'));
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--capture: names one capture, but the 2 trace inputs are 2 captures/);
    expect(cli('replay', '--one-capture', p1, p2, '--capture', 'x', '--save-graph', join(dir, 'x.json')).status).toBe(1);
  });
});
