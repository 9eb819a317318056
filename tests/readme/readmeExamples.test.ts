/**
 * The README's examples are real: every fenced block whose first line is
 * `$ npx lockreplay …` is run, command by command, and each output line the
 * README shows must appear in the real output, in order (`...` in a shown
 * line matches anything; a line that is only `...` stands for omitted lines).
 * `/tmp/lockreplay-fleet` in a command is replaced by a path in a fresh temp
 * directory that does not exist yet, as on a fresh machine: an example that
 * writes there must create it first (`$ mkdir -p /tmp/lockreplay-fleet`, the
 * only other command allowed).
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.ts';

interface Step { args: string[]; shown: string[]; mkdir?: boolean }
interface Example { line: number; steps: Step[] }

function examples(markdown: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```/.test(lines[i]) || !/^\$ (npx lockreplay|mkdir -p) /.test(lines[i + 1] ?? '')) continue;
    const ex: Example = { line: i + 2, steps: [] };
    for (i++; i < lines.length && !/^```/.test(lines[i]); i++) {
      const l = lines[i];
      if (l.startsWith('$ mkdir -p ')) {
        ex.steps.push({ args: [l.slice('$ mkdir -p '.length).trim()], shown: [], mkdir: true });
      } else if (l.startsWith('$ ')) {
        expect(l, `README line ${i + 1}: only lockreplay commands (and mkdir -p) are run`).toMatch(/^\$ npx lockreplay /);
        ex.steps.push({ args: l.slice('$ npx lockreplay '.length).trim().split(/\s+/), shown: [] });
      } else ex.steps[ex.steps.length - 1].shown.push(l);
    }
    out.push(ex);
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Index just past the last matched line, or -1 with the first shown line that was not found. */
function matchInOrder(actual: string[], shown: string[]): { ok: true } | { ok: false; missing: string } {
  let at = 0;
  for (const s of shown) {
    if (s.trim() === '...' || s.trim() === '') continue;
    const re = new RegExp('^' + s.split('...').map(escape).join('.*?') + '$');
    while (at < actual.length && !re.test(actual[at])) at++;
    if (at === actual.length) return { ok: false, missing: s };
    at++;
  }
  return { ok: true };
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const all = examples(readme);

describe('README examples', () => {
  it('has examples to check', () => {
    expect(all.length).toBeGreaterThan(8);
  });
  for (const ex of all) {
    it(`README line ${ex.line}: ${ex.steps.map((s) => s.args.slice(0, 2).join(' ')).join('; ')}`, () => {
      const tmp = mkdtempSync(join(tmpdir(), 'lockreplay-readme-'));
      const dir = join(tmp, 'fleet');
      try {
        for (const step of ex.steps) {
          const args = step.args.map((a) => a.replaceAll('/tmp/lockreplay-fleet', dir));
          if (step.mkdir) {
            mkdirSync(args[0], { recursive: true });
            continue;
          }
          const r = cli(...args);
          expect(r.status, `${args.join(' ')}: ${r.stderr}`).not.toBe(2);
          const m = matchInOrder(r.stdout.split('\n'), step.shown);
          expect(m.ok ? '' : (m as { missing: string }).missing, `output of: ${args.join(' ')}`).toBe('');
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
