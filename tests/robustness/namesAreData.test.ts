/**
 * Names are data: lock names and comms such as `__proto__`, `constructor`,
 * HTML, quotes, backslashes, text escapes, control characters and non-ASCII
 * come back unchanged in the JSON report, are escaped (inert) in the text
 * report, and pollute no prototype.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderText, safe } from '../../src/report/text.ts';
import { HEADER, formatLine, type GenEvent } from '../fuzz/traceGen.ts';
import { assertCleanStderr, runCli } from './cli.ts';

const NAMES = [
  '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '<script>alert(1)</script>', '"quoted" \'lock\'', 'back\\slash\\',
  'text\\nescape\\t', 'ünïcødé_lock', '锁_mutex', '{"json":true}', '&amp;lt;', 'evil\u001b[31mred', 'cr\rinside', '${x}`tpl`',
];
const COMMS = ['__proto__', '<b>x</b>', 'constructor', 'ünï'];

const dir = mkdtempSync(join(tmpdir(), 'lockreplay-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An ABBA pair for each consecutive pair of names, in two tasks with hostile comms. */
function trace(): string {
  const out: string[] = [HEADER];
  let t = 1_000_000;
  const ev = (comm: string, pid: number, kind: GenEvent['kind'], name: string, addr: string): string =>
    formatLine({ comm, pid, cpu: pid % 2, flags: '...1.', sec: Math.floor(t / 1e6), usec: t++ % 1e6, kind, addr, name, lockFlags: 0 });
  for (let i = 0; i + 1 < NAMES.length; i += 2) {
    const [a, b] = [NAMES[i], NAMES[i + 1]];
    const [aa, ba] = [`ffff88800${i}000000`, `ffff88800${i + 1}000000`];
    const c1 = COMMS[i % COMMS.length], c2 = COMMS[(i + 1) % COMMS.length];
    out.push(ev(c1, 100 + i, 'acquire', a, aa), ev(c1, 100 + i, 'acquire', b, ba), ev(c1, 100 + i, 'release', b, ba), ev(c1, 100 + i, 'release', a, aa));
    out.push(ev(c2, 200 + i, 'acquire', b, ba), ev(c2, 200 + i, 'acquire', a, aa), ev(c2, 200 + i, 'release', a, aa), ev(c2, 200 + i, 'release', b, ba));
  }
  return out.join('\n') + '\n';
}

const file = join(dir, 'names.txt');
writeFileSync(file, trace());

describe('names are data', () => {
  it('JSON parses back to exactly the same names and comms; no prototype is polluted', async () => {
    const result = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [file] });
    const json = JSON.parse(renderJson(result)) as { findings: { classes: string[]; dependencies?: { first: { comm: string } }[] }[] };
    const classes = new Set(json.findings.flatMap((f) => f.classes));
    const paired = NAMES.slice(0, NAMES.length - (NAMES.length % 2));
    // every paired name is in a finding, spelled exactly as in the trace (lockdep may decorate class names, so match by inclusion)
    for (const n of paired) expect([...classes].some((c) => c === n || c.includes(n)), n).toBe(true);
    const comms = new Set(json.findings.flatMap((f) => (f.dependencies ?? []).map((d) => d.first.comm)));
    for (const c of comms) expect(COMMS).toContain(c);
    expect(comms.size).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
    // a name that is a JSON document stays a string
    expect([...classes].some((c) => c.includes('{"json":true}'))).toBe(true);
  });

  it('the text report escapes control characters: a name cannot forge lines or terminal escapes', async () => {
    const result = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [file] });
    const text = renderText(result);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain(safe('evil\u001b[31mred'));
    expect(text).toContain('evil\\x1b[31mred');
    expect(text).toContain('cr\\x0dinside');
    expect(text).toContain('back\\\\slash\\\\'); // backslashes doubled: the escape is unambiguous
    expect(text).toContain('<script>alert(1)</script>'); // plain text output: shown as is, not interpreted
    // every report line is either ours or starts with the indentation/markers the renderer uses: no line begins with a name
    for (const n of NAMES) expect(text.split('\n')).not.toContain(n);
  });

  it('through the CLI (text and JSON) the run is clean and JSON round-trips', async () => {
    const t = await runCli(['replay', file]);
    expect([0, 1]).toContain(t.code);
    assertCleanStderr(t, false);
    const j = await runCli(['replay', '--format', 'json', file]);
    expect(j.code).toBe(t.code);
    const parsed = JSON.parse(j.stdout) as { findings: { classes: string[] }[] };
    expect(parsed.findings.flatMap((f) => f.classes)).toContain('__proto__');
  });
});
