/**
 * A pseudo-lock rule keyed on trace_marker writes matches the same event in every form: the kernel's trace
 * file prints it as `tracing_mark_write: TEXT`, `trace-cmd report` as the ftrace print event,
 * `print: tracing_mark_write: TEXT` (trace.dat decodes ftrace:print itself: tests/decode/tracedat.test.ts).
 * A rule that maps no event is reported, not silently ignored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { loadRules } from '../../src/analysis/rules.ts';
import { ROOT } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-marker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TRACE = join(ROOT, 'traces/examples/inode-dio.txt');
const RULES = join(ROOT, 'traces/examples/inode-dio.rules.json');

/** The same events as `trace-cmd report` prints them, with and without an instance prefix. */
function reportForm(instance: string | undefined): string {
  const out = ['cpus=2'];
  for (const l of readFileSync(TRACE, 'utf8').split('\n')) {
    const m = /^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): tracing_mark_write: (.*)$/.exec(l);
    if (!m) continue;
    const line = `${m[1].padStart(16)}-${m[2].padEnd(5)} [${m[3]}] ${m[4]}: ${'print:'.padEnd(21)} tracing_mark_write: ${m[5]}`;
    out.push(instance === undefined ? line : `${instance}: ${line}`);
  }
  expect(out.length).toBe(4);
  return out.join('\n') + '\n';
}

async function replayWith(path: string, rules = RULES) {
  return runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path], replay: { ...DEFAULT_RUN_OPTIONS.replay, rules: loadRules(rules) } });
}
const shape = (r: Awaited<ReturnType<typeof replayWith>>) => r.findings.map((f) => [f.kind, f.classes.join(',')]);

describe('trace_marker rules in every text form', () => {
  it('trace file, trace-cmd report, trace-cmd report with instances: the same finding', async () => {
    const base = await replayWith(TRACE);
    expect(shape(base)).toEqual([['recursive-locking', 'inode_dio']]);
    expect(base.findings[0].verdict).toBe('deadlock');
    for (const inst of [undefined, 'lr']) {
      const p = join(dir, `report-${inst ?? 'top'}.txt`);
      writeFileSync(p, reportForm(inst));
      const r = await replayWith(p);
      // without instance prefixes a report is still recognised as one, by its cpus= header (its per-CPU streams start as trace.dat's)
      expect(r.inputs[0].format).toBe('trace-cmd-report');
      expect(shape(r), `instance ${inst}`).toEqual(shape(base));
      // plain `trace-cmd report` prints no irq flags column: the second acquisition could be an interrupt's
      expect(r.findings[0].verdict).toBe('unverified');
      expect(r.findings[0].reason).toMatch(/without irq flags/);
      expect(r.warnings).toEqual([]);
    }
  });

  it('a print event that is not a marker write (trace_printk) is an other event, not a marker', async () => {
    const p = join(dir, 'printk.txt');
    writeFileSync(p, reportForm(undefined).replaceAll('tracing_mark_write: ', 'lr_step: '));
    const r = await replayWith(p);
    expect(r.findings).toEqual([]);
    expect(r.stats.otherEvents).toBe(3);
  });

  it('a rule that maps no event is reported', async () => {
    const rules = JSON.parse(readFileSync(RULES, 'utf8'));
    rules.pseudoLocks.push({ event: 'tracing_mark_write', match: '^never_written\\b', action: 'wait', lock: 'nothing' });
    const p = join(dir, 'rules.json');
    writeFileSync(p, JSON.stringify(rules));
    const r = await replayWith(TRACE, p);
    const w = r.warnings.find((x) => x.kind === 'unmatched-pseudo-lock');
    expect(w?.count).toBe(1);
    expect(w?.first[0].detail).toMatch(/^pseudoLocks\[3\]: tracing_mark_write \/\^never_written\\b\/ -> wait nothing$/);
  });
});
