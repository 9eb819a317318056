/**
 * Live use (`cat trace_pipe | lockreplay replay - --stream …`): a finding is printed while the input is
 * still open, the moment its events have arrived; SIGINT / SIGTERM print the report of everything so far
 * and exit with the usual code; the final report holds every streamed finding under the same ID, and
 * says what the end changed (a class whose reads were undetermined turns out to be a real rwlock).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, ROOT } from '../helpers/cli.ts';
import { MiniTrace, task } from '../helpers/miniTrace.ts';

const a = task('lr1_live', 100, 0), b = task('lr2_live', 101, 1);

/** The lines of ABBA pair k (a cycle closed by its last acquisition of the second task). */
function pair(t: MiniTrace, k: number): MiniTrace {
  const x = `lr_live_a${k}`, y = `lr_live_b${k}`;
  return t.acq(a, x).acq(a, y).rel(a, y).rel(a, x).acq(b, y).acq(b, x).rel(b, x).rel(b, y);
}

/** A running `lockreplay replay - <args>` fed by the test, with its output so far. */
function live(args: string[]) {
  const p = spawn(process.execPath, [CLI, 'replay', '-', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  p.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number>((res) => p.on('close', (code, sig) => res(code ?? (sig ? -1 : -2))));
  const until = async (what: string, test: (o: string) => boolean, ms = 30_000) => {
    const t0 = Date.now();
    while (!test(out)) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; stdout:\n${out}\nstderr:\n${err}`);
      if (p.exitCode !== null) throw new Error(`exited (${p.exitCode}) before ${what}; stderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { p, exited, until, out: () => out, err: () => err };
}

describe('live streaming', () => {
  it('jsonl: findings while stdin is open, with their IDs and titles; SIGINT: the report so far, the same IDs, exit 1', async () => {
    const run = live(['--stream', 'jsonl']);
    const t = pair(new MiniTrace(), 0);
    run.p.stdin.write(t.text());
    await run.until('the first finding', (o) => o.split('\n').some((l) => l.includes('"type":"finding"')));
    const more = new MiniTrace();
    more.lines.length = 0; // no second header
    run.p.stdin.write(pair(more, 1).text());
    await run.until('the second finding', (o) => o.split('\n').filter((l) => l.includes('"type":"finding"')).length === 2);
    run.p.kill('SIGINT');
    const code = await run.exited;
    const lines = run.out().trimEnd().split('\n').map((l) => JSON.parse(l));
    const streamed = lines.filter((l) => l.type === 'finding');
    const report = lines[lines.length - 1];
    expect(report.type).toBe('report');
    expect(report.report.inputs[0].notes).toEqual(expect.arrayContaining([expect.stringMatching(/^stopped \(SIGINT\)/)]));
    expect(report.report.findings).toHaveLength(2);
    // the same findings, judged the same (the final report adds which one lockdep would have printed first)
    expect(streamed.map((l) => l.finding)).toEqual(report.report.findings.map(({ lockdepWouldReportFirst: _, ...f }: { lockdepWouldReportFirst?: boolean }) => f));
    for (const l of streamed) expect(l).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{12}$/), finding: { id: l.id, title: expect.stringMatching(/^possible deadlock: lr_live_a\d -> lr_live_b\d -> lr_live_a\d$/) } });
    expect(lines.filter((l) => l.type === 'revised' || l.type === 'withdrawn')).toEqual([]);
    expect(run.err()).toBe('');
    expect(code).toBe(1);
  });

  it('text: a splat per finding while stdin is open; SIGTERM: the text report, exit 1', async () => {
    const run = live(['--stream', 'text']);
    run.p.stdin.write(pair(new MiniTrace(), 0).text());
    await run.until('the splat', (o) => o.includes('live finding 1 (circular-dependency, deadlock') && o.includes('*** DEADLOCK ***'));
    expect(run.out()).toMatch(/ {3}id [0-9a-f]{12}: possible deadlock: lr_live_a0 -> lr_live_b0 -> lr_live_a0\n/);
    expect(run.out()).not.toContain('lockreplay report');
    run.p.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    expect(run.out()).toMatch(/lockreplay report\n {2}input: <stdin> \(ftrace\)\n/);
    expect(run.out()).toContain('stopped (SIGTERM): the report covers the input up to here');
    expect(run.out()).toContain('  findings: 1 (1 deadlock)');
  });

  it('what the end changes is said: a cycle unverified while A\'s reads are undetermined is a deadlock once A shows it is a real rwlock', async () => {
    // Task-context `read` of a class the trace cannot classify: read=1 (rwlock_t/rw_semaphore, shared) or read=2
    // (lock_map_acquire_read(), recursive) -> judged both ways, `unverified`. A later lock_acquired on A comes only
    // from LOCK_CONTENDED() (a real rwlock_t/rw_semaphore, never a lockdep_map): its task-context reads are
    // read=1 (rwlock_acquire_read() without in_interrupt() on a queued-rwlock kernel), so E->S then S->E: deadlock.
    const c = task('lr3_live', 102, 0);
    const t = new MiniTrace().acq(a, 'A', { mode: 'read' }).acq(a, 'B').rel(a, 'B').rel(a, 'A')
      .acq(b, 'B').acq(b, 'A', { mode: 'read' }).rel(b, 'A').rel(b, 'B');
    const run = live(['--stream', 'jsonl']);
    run.p.stdin.write(t.text());
    await run.until('the unverified finding', (o) => o.includes('"verdict":"unverified"'));
    expect(run.out()).toMatch(/"reason":"read locks: the cycle holds only if A is taken as a shared reader/);
    const later = new MiniTrace();
    later.lines.length = 0;
    run.p.stdin.end(later.acq(c, 'A').acquired(c, 'A').rel(c, 'A').text());
    expect(await run.exited).toBe(1);
    const lines = run.out().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['finding', 'revised', 'report']);
    expect(lines[0]).toMatchObject({ id: lines[0].finding.id, finding: { verdict: 'unverified' } });
    expect(lines[1]).toMatchObject({ id: lines[0].id, was: 'unverified', finding: { verdict: 'deadlock' } });
    expect(lines[1].wasId).toBeUndefined();
    expect(lines[2].report.findings).toEqual([{ ...lines[1].finding, lockdepWouldReportFirst: true }]);
  });
});
