/**
 * export --format dot: names escaped (checked by Graphviz itself when `dot`
 * is installed), cycles across captures drawn with their neighbourhood.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { dotString, isPseudoLock } from '../../src/report/dot.ts';
import { ROOT, cli } from '../helpers/cli.ts';

const HAVE_DOT = spawnSync('dot', ['-V']).status === 0;
let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-dot-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WEIRD = ['a"];evil[label="x', 'back\\slash\\n', '</script><b>', '__proto__', '(wq_completion)lr_wq', 'ünï'];

function weirdTrace(): string {
  const p = task('lr1_dot', 100, 0), q = task('lr2_dot', 101, 1);
  const t = new MiniTrace();
  for (let k = 0; k < WEIRD.length; k++) t.acq(p, WEIRD[k]);
  for (let k = WEIRD.length - 1; k >= 0; k--) t.rel(p, WEIRD[k]);
  t.acq(q, WEIRD[WEIRD.length - 1]).acq(q, WEIRD[0]).rel(q, WEIRD[0]).rel(q, WEIRD[WEIRD.length - 1]);
  return t.text();
}

describe('export --format dot', () => {
  it('escapes every name, whole graph and cycles', () => {
    const f = join(dir, 'w.txt');
    writeFileSync(f, weirdTrace());
    for (const extra of [[], ['--cycles']]) {
      const p = cli('export', '--format', 'dot', ...extra, f);
      expect(p.stderr).toBe('');
      expect(p.status).toBe(0);
      for (const n of WEIRD) expect(p.stdout, n).toContain(`label=${dotString(n)}`);
      // Names never appear outside a quoted label/tooltip: node IDs are generated.
      expect(p.stdout).not.toMatch(/^\s*evil/m);
      if (extra.length) expect(p.stdout).toMatch(/subgraph cluster_0 \{/);
      if (HAVE_DOT) {
        const svg = spawnSync('dot', ['-Tsvg'], { input: p.stdout, encoding: 'utf8' });
        expect(svg.stderr).toBe('');
        expect(svg.status).toBe(0);
        expect(svg.stdout).toContain('&lt;/script&gt;&lt;b&gt;');
        expect(svg.stdout).not.toContain('<b>');
      }
    }
  });

  it('knows pseudo-locks from real locks', () => {
    expect(isPseudoLock('(wq_completion)events')).toBe(true);
    expect(isPseudoLock('(work_completion)(&lr_work)')).toBe(true);
    expect(isPseudoLock('fs_reclaim')).toBe(true);
    expect(isPseudoLock('(&timer.timer)')).toBe(true);
    expect(isPseudoLock('(console_sem).lock')).toBe(false);
    expect(isPseudoLock('lr_mutex_a')).toBe(false);
  });

  it('draws a cycle found only across two captures, as a deadlock cluster', () => {
    const g1 = join(dir, 's1.json'), g2 = join(dir, 's2.json');
    cli('replay', join(ROOT, 'traces/abba-step1.txt.xz'), '--save-graph', g1, '--capture', 'abba-step1');
    cli('replay', join(ROOT, 'traces/abba-step2.txt.xz'), '--save-graph', g2, '--capture', 'abba-step2');
    const p = cli('export', '--cycles', g1, g2);
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('label="#1 deadlock: lr_mutex_a -> lr_mutex_b -> lr_mutex_a"');
    const redEdges = p.stdout.split('\n').filter((l) => l.includes('color="#c92a2a", penwidth=2.5'));
    expect(redEdges).toHaveLength(2);
    expect(redEdges.join('\n')).toContain('abba-step1');
    expect(redEdges.join('\n')).toContain('abba-step2');
    if (HAVE_DOT) expect(spawnSync('dot', ['-Tsvg'], { input: p.stdout }).status).toBe(0);
    expect(existsSync(g1)).toBe(true);
  });
});
