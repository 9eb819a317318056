/**
 * Files lockreplay does not replay are named for what they are, with what to run (one line, exit 2, no
 * made-up line number): /proc/lock_stat, a dmesg with a lockdep report (perf.data is read natively,
 * src/decode/perfdata: a damaged one gets that decoder's message). Android systrace HTML
 * is read: the ftrace text inside its <script class="trace-data"> element, however much HTML comes first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-other-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, bytes: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function refused(path: string): string {
  const r = cli('replay', path);
  const lines = r.stderr.split('\n').filter((l) => l);
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.status).toBe(2);
  expect(lines[0].startsWith(`lockreplay: ${path}: `), lines[0]).toBe(true); // no line number
  return lines[0];
}

describe('files that are not traces say what they are and what to run', () => {
  it('perf.data is not among them: it is decoded natively, and a damaged one says what is wrong at which byte', () => {
    // perf record killed before it wrote the header back: the magic, the header size, a zero data section.
    const header = Buffer.alloc(104);
    header.write('PERFILE2', 0, 'latin1');
    header.writeBigUInt64LE(104n, 8);
    const msg = refused(file('perf.data', Buffer.concat([header, Buffer.alloc(4096, 0x11)])));
    expect(msg).toMatch(/: byte \d+: perf\.data was not finished: its header says 0 bytes of data/);
    expect(msg).not.toMatch(/not a (recognised )?trace|perf script/);
  });
  it('/proc/lock_stat', () => {
    const text = 'lock_stat version 0.4\n' + '-'.repeat(100) + '\n                              class name    con-bounces    contentions   waittime-min\n';
    expect(refused(file('lock_stat', text))).toMatch(/lock statistics \(\/proc\/lock_stat\).*trace-cmd record -e lock/);
  });
  it('a dmesg with a lockdep report', () => {
    const text = [
      '[    0.000000] Linux version 6.1.192 (root@vm)',
      '[   13.369862] ======================================================',
      '[   13.369863] WARNING: possible circular locking dependency detected',
      '[   13.369864] 6.1.192 #1 Tainted: G           O',
    ].join('\n') + '\n';
    expect(refused(file('dmesg.txt', text))).toMatch(/kernel log \(dmesg\) with a lockdep report: .*record the lock events/);
  });
});

describe('systrace HTML: the trace inside is read', () => {
  const trace = readFileSync(join(ROOT, 'traces/examples/irq-safe-unsafe.txt'), 'utf8');
  const viewer = Array.from({ length: 590 }, (_, i) => `<div class="viewer-${i}">tracing.js line ${i}: lock_acquire: not an event</div>`).join('\n');
  const page = (json: boolean) => [
    '<!DOCTYPE html>', '<html>', '<head i18n-values="dir:textdirection;">', '<title>Android System Trace</title>', viewer,
    ...(json ? ['<script class="trace-data" type="application/text">', '{"traceEvents": [], "systemTraceEvents": "x"}', '</script>'] : []),
    '<script class="trace-data" type="application/text">', trace.trimEnd(), '  </script>', '<script>more viewer code</script>', '</body>', '</html>',
  ].join('\n') + '\n';

  it('after 590 lines of HTML, with or without a JSON trace-data element first: the same findings as the plain trace', async () => {
    const plain = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [join(ROOT, 'traces/examples/irq-safe-unsafe.txt')] });
    expect(plain.findings.length).toBeGreaterThan(0);
    for (const json of [false, true]) {
      for (const frameBytes of [4 << 20, 100]) {
        const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, frameBytes, inputs: [file(`systrace-${json}.html`, page(json))] });
        expect(r.inputs[0].format).toBe('ftrace');
        expect(r.inputs[0].notes?.[0]).toMatch(/systrace HTML/);
        expect(r.warnings).toEqual([]);
        expect(JSON.stringify(r.findings.map((f) => [f.kind, f.verdict, f.classes, f.dependencies.map((d) => d.first.line)])))
          .toBe(JSON.stringify(plain.findings.map((f) => [f.kind, f.verdict, f.classes, f.dependencies.map((d) => d.first.line)])));
      }
    }
  });

  it('a page without a text trace is refused, saying so', () => {
    expect(refused(file('empty.html', '<!DOCTYPE html>\n<html><script class="trace-data" type="application/text">{"traceEvents": []}</script></html>\n'))).toMatch(/systrace\/catapult HTML page without a text trace/);
  });
});
