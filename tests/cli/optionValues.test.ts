/**
 * Every bad option value, in every command: one line on stderr naming the option and the value, exit 2,
 * before any input is read. And --instance must select something, in every input format.
 */
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const T = 'traces/abba.trace.txt.xz';

function expectBadValue(args: string[], option: string, value: string) {
  const r = cli(...args);
  const lines = r.stderr.split('\n').filter((l) => l.length);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^lockreplay: /);
  expect(lines[0]).toContain(option);
  expect(lines[0]).toContain(value);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
}

describe('bad option values: one line naming the option, exit 2', () => {
  const cases: [string[], string, string][] = [
    [['replay', T, '--chunk-size', '4X'], '--chunk-size', '4X'],
    [['replay', T, '--chunk-size', '0'], '--chunk-size', '0'],
    [['replay', T, '--chunk-size', '2G'], '--chunk-size', '2G'],
    [['replay', T, '--workers', 'two'], '--workers', 'two'],
    [['replay', T, '--workers', '0'], '--workers', '0'],
    [['replay', T, '--workers', '1.5'], '--workers', '1.5'],
    [['replay', T, '--format', 'xml'], '--format', 'xml'],
    [['replay', T, '--wq-model', 'percpu'], '--wq-model', 'percpu'],
    [['replay', T, '--fail-on', 'deadlock,sometimes'], '--fail-on', 'sometimes'],
    [['replay', T, '--fail-on', ''], '--fail-on', "''"],
    [['replay', T, '--fail-on', 'none,deadlock'], '--fail-on', 'none,deadlock'],
    [['merge', T, '-o', '/tmp/lr-unused.json', '--format', 'pdf'], '--format', 'pdf'],
    [['diff', T, T, '--format', 'html'], '--format', 'html'],
    [['export', T, '--format', 'svg'], '--format', 'svg'],
    [['compare-lockdep', T, '--lockdep', 'traces/examples/abba.lockdep.txt', '--format', 'html'], '--format', 'html'],
  ];
  for (const [args, option, value] of cases) it(`${args[0]} ${option} ${value}`, () => expectBadValue(args, option, value === "''" ? '' : value));
});

describe('--instance must select a buffer', () => {
  it('on ftrace text (no instance names): refused up front', () => {
    expectBadValue(['replay', T, '--instance', 'nosuch'], '--instance', 'nosuch');
  });
  it('on perf script: refused up front', () => {
    expectBadValue(['replay', 'traces/perf-script-abba-lr1.txt', '--instance', 'lr'], '--instance', 'lr');
  });
  it('on a trace-cmd report without that instance: refused, naming the instances seen', () => {
    expectBadValue(['replay', 'traces/abba-cut.report.txt', '--instance', 'nosuch'], 'instance "nosuch"', 'instances seen: "lr"');
  });
  it('on trace.dat without that instance: refused, naming the instances (as before)', () => {
    expectBadValue(['replay', 'traces/abba-cut.v7.dat', '--instance', 'nosuch'], 'instance "nosuch"', 'instances');
  });
  it('an instance that exists still replays', () => {
    const r = cli('replay', 'traces/abba-cut.report.txt', '--instance', 'lr');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/instance "lr"/);
  });
});

describe('the default worker count', () => {
  it('is 1 on up to 2 cores (measured fastest: bench/results/workers.json), one per core above', async () => {
    const { defaultWorkers } = await import('../../src/cli/optionValues.ts');
    expect(defaultWorkers(1)).toBe(1);
    expect(defaultWorkers(2)).toBe(1);
    expect(defaultWorkers(8)).toBe(8);
  });
  it('is what replay and ingest use when --workers is not given', async () => {
    const { defaultWorkers } = await import('../../src/cli/optionValues.ts');
    for (const command of ['replay', 'ingest']) {
      const help = cli(command, '--help').stdout.replace(/\s+/g, ' ');
      expect(help).toMatch(new RegExp(`--workers <n> [^(]*\\([^)]*\\) \\(default: ${defaultWorkers()}\\)`));
    }
  });
});
