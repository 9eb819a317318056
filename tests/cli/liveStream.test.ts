/**
 * Live use (`cat trace_pipe | lockreplay replay - --stream …`): a finding is printed while the input is
 * still open, the moment its events have arrived; SIGINT / SIGTERM print the report of everything so far
 * and exit with the usual code; the final report holds every streamed finding under the same key, and
 * says what the end changed (a class read so far only as a reader-only map turns out to be an rwlock).
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
  it('jsonl: findings while stdin is open; SIGINT: the report so far, the same keys, exit 1', async () => {
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
    expect(lines.filter((l) => l.type === 'revised' || l.type === 'withdrawn')).toEqual([]);
    expect(run.err()).toBe('');
    expect(code).toBe(1);
  });

  it('text: a splat per finding while stdin is open; SIGTERM: the text report, exit 1', async () => {
    const run = live(['--stream', 'text']);
    run.p.stdin.write(pair(new MiniTrace(), 0).text());
    await run.until('the splat', (o) => o.includes('live finding 1 (circular-dependency, deadlock') && o.includes('*** DEADLOCK ***'));
    expect(run.out()).not.toContain('lockreplay report');
    run.p.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    expect(run.out()).toMatch(/lockreplay report\n {2}input: <stdin> \(ftrace\)\n/);
    expect(run.out()).toContain('stopped (SIGTERM): the report covers the input up to here');
    expect(run.out()).toContain('  findings: 1 (1 deadlock)');
  });

  it('what the end changes is said: a cycle benign while A was only read becomes a deadlock once A is written', async () => {
    const c = task('lr3_live', 102, 0);
    const t = new MiniTrace().acq(a, 'A', { mode: 'read' }).acq(a, 'B').rel(a, 'B').rel(a, 'A')
      .acq(b, 'B').acq(b, 'A', { mode: 'read' }).rel(b, 'A').rel(b, 'B');
    const run = live(['--stream', 'jsonl']);
    run.p.stdin.write(t.text());
    await run.until('the benign finding', (o) => o.includes('"verdict":"benign"'));
    const later = new MiniTrace();
    later.lines.length = 0;
    run.p.stdin.end(later.acq(c, 'A').rel(c, 'A').text());
    expect(await run.exited).toBe(1);
    const lines = run.out().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['finding', 'revised', 'report']);
    expect(lines[1]).toMatchObject({ key: lines[0].key, was: 'benign', finding: { verdict: 'deadlock' } });
    expect(lines[2].report.findings).toEqual([lines[1].finding]);
  });
});
