/**
 * The HTML report in real headless Chromium: opens from disk with no network,
 * no console errors, every finding shown, a lock name containing </script>
 * stays text, and clicking a class in a cycle's view lists its dependencies.
 * Screenshots go to tests/report/out/ (generated; not for committing).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { ROOT, cli } from '../helpers/cli.ts';
import { CHROMIUM, openInChromium } from '../helpers/chromium.ts';

const EVIL = '</script><script>window.__pwned=1</script>';
let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-html-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

if (!existsSync(CHROMIUM)) console.warn(`html report browser tests skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

/** Clicks the cytoscape node named `name` in view k and returns the panel's text. */
async function clickClass(page: import('playwright-core').Page, k: number, name: string): Promise<string> {
  const pos = await page.evaluate(([k, name]) => {
    const box = document.getElementById(`cy-${k}`) as HTMLElement & { lockreplay: { nodes(): { data(f: string): string; renderedPosition(): { x: number; y: number } }[] } };
    const node = box.lockreplay.nodes().find((n) => n.data('label') === name)!;
    box.scrollIntoView({ block: 'center' });
    // cytoscape caches where its container is on the page; it moved with the scroll.
    (box.lockreplay as unknown as { resize(): void }).resize();
    const r = box.getBoundingClientRect(), p = node.renderedPosition();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [k, name] as const);
  await page.mouse.click(pos.x, pos.y);
  return (await page.textContent(`#panel-${k}`)) ?? '';
}

describe.skipIf(!existsSync(CHROMIUM))('html report in Chromium', () => {
  it('shows every finding, keeps hostile names as text, and a click lists a class\'s dependencies', async () => {
    const p = task('lr1_html', 100, 0), q = task('lr2_html', 101, 1);
    const t = new MiniTrace()
      .acq(p, EVIL).acq(p, 'B"&<b>').rel(p, 'B"&<b>').rel(p, EVIL)
      .acq(q, 'B"&<b>').acq(q, EVIL).rel(q, EVIL).rel(q, 'B"&<b>')
      .acq(p, 'R').acq(p, 'R').rel(p, 'R').rel(p, 'R');
    const tf = join(dir, 'evil.txt');
    writeFileSync(tf, t.text());
    const html = join(dir, 'evil.html');
    const run = cli('replay', tf, '--format', 'html', '-o', html);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const findings = JSON.parse(cli('replay', tf, '--format', 'json').stdout).findings as { classes: string[] }[];
    expect(findings.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(html, 'utf8')).not.toContain(EVIL);
    const problems = await openInChromium(html, 'html-evil.png', async (page) => {
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('section.finding').count()).toBe(findings.length);
      const shown = (await page.textContent('body')) ?? '';
      for (const f of findings) for (const c of f.classes) expect(shown).toContain(c);
      const panel = await clickClass(page, 0, EVIL);
      expect(panel).toContain(`${EVIL} \u2192 B"&<b>`);
      expect(panel).toContain(`B"&<b> \u2192 ${EVIL}`);
    });
    expect(problems).toEqual([]);
  });

  it('draws the cycle merged from two captures with its neighbourhood', async () => {
    const g1 = join(dir, 's1.json'), g2 = join(dir, 's2.json');
    cli('replay', join(ROOT, 'traces/abba-step1.txt.xz'), '--save-graph', g1, '--capture', 'abba-step1');
    cli('replay', join(ROOT, 'traces/abba-step2.txt.xz'), '--save-graph', g2, '--capture', 'abba-step2');
    const html = join(dir, 'abba.html');
    const run = cli('merge', g1, g2, '-o', join(dir, 'u.json'), '--format', 'html');
    expect(run.status).toBe(1);
    writeFileSync(html, run.stdout);
    const problems = await openInChromium(html, 'html-abba-merged.png', async (page) => {
      expect(await page.locator('section.finding').count()).toBeGreaterThanOrEqual(1);
      const nodes = await page.evaluate(() => (document.getElementById('cy-0') as HTMLElement & { lockreplay: { nodes(): unknown[] } }).lockreplay.nodes().length);
      expect(nodes).toBeGreaterThan(2); // the neighbourhood, not just the two mutexes
      const panel = await clickClass(page, 0, 'lr_mutex_b');
      expect(panel).toMatch(/lr_mutex_b \u2192 lr_mutex_a .*abba-step2/);
      expect(panel).toMatch(/lr_mutex_a \u2192 lr_mutex_b .*abba-step1/);
    });
    expect(problems).toEqual([]);
  });
});
