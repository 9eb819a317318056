/**
 * The HTML report in real headless Chromium: opens from disk with no network,
 * no console errors, every finding shown, a lock name containing </script>
 * stays text, and clicking a class in a cycle's view lists its dependencies.
 * At scale (none/trace.dat, ~1000 findings): an index row per finding, no
 * graph laid out until its finding is opened, then without overlapping
 * labels (time to first paint is in the bench: npm run bench -- --html-only).
 * Screenshots go to tests/report/out/ (generated; not for committing).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { ROOT, SHARED_TRACES, cli } from '../helpers/cli.ts';
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
      expect(await page.locator('details.finding').count()).toBe(findings.length);
      expect(await page.locator('table.index tbody tr').count()).toBe(findings.length);
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
      expect(await page.locator('details.finding').count()).toBeGreaterThanOrEqual(1);
      const nodes = await page.evaluate(() => (document.getElementById('cy-0') as HTMLElement & { lockreplay: { nodes(): unknown[] } }).lockreplay.nodes().length);
      expect(nodes).toBeGreaterThan(2); // the neighbourhood, not just the two mutexes
      const panel = await clickClass(page, 0, 'lr_mutex_b');
      expect(panel).toMatch(/lr_mutex_b \u2192 lr_mutex_a .*abba-step2/);
      expect(panel).toMatch(/lr_mutex_a \u2192 lr_mutex_b .*abba-step1/);
    });
    expect(problems).toEqual([]);
  });

  const NONE = join(SHARED_TRACES, 'none/trace.dat.xz');
  // Under CI the shared captures are there: never skipped.
  it.skipIf(!existsSync(NONE) && !process.env.CI)('none/trace.dat: ~1000 findings, an index, graphs laid out only when opened, labels apart', async () => {
    const html = join(dir, 'none.html');
    const run = cli('replay', NONE, '--format', 'html', '-o', html);
    expect(run.stderr).toBe('');
    const page0 = readFileSync(html, 'utf8');
    const n = page0.match(/<details class="finding /g)!.length;
    expect(n).toBeGreaterThan(800);
    const problems = await openInChromium(html, 'html-none.png', async (page) => {
      expect(await page.locator('table.index tbody tr').count()).toBe(n);
      // Nothing laid out on load (the capture has no deadlock to open).
      const drawn = () => page.evaluate(() => [...document.querySelectorAll('.cy')].filter((e) => (e as HTMLElement & { lockreplay?: unknown }).lockreplay).length);
      expect(await drawn()).toBe(0);
      // Open the cycle with the most nodes in view from the index.
      const k = await page.evaluate(() => {
        const data = JSON.parse(document.getElementById('lockreplay-data')!.textContent!) as { v: [number, number[], number[]][] };
        return data.v.reduce((a, b) => (b[1].length > a[1].length ? b : a))[0];
      });
      await page.click(`table.index tbody tr[data-k="${k}"]`);
      await page.waitForFunction((k) => !!(document.getElementById(`cy-${k}`) as HTMLElement & { lockreplay?: unknown }).lockreplay, k);
      expect(await drawn()).toBe(1);
      expect(await page.evaluate((k) => (document.getElementById(`finding-${k}`) as HTMLDetailsElement).open, k)).toBe(true);
      const boxes = await page.evaluate((k) => {
        type Box = { x1: number; x2: number; y1: number; y2: number };
        const cy = (document.getElementById(`cy-${k}`) as HTMLElement & { lockreplay: { nodes(): { boundingBox(o: object): Box }[] } }).lockreplay;
        return cy.nodes().map((x) => x.boundingBox({ includeLabels: true, includeOverlays: false }));
      }, k);
      expect(boxes.length).toBeGreaterThan(10);
      const overlapping: string[] = [];
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) overlapping.push(`${i}/${j}`);
        }
      }
      expect(overlapping).toEqual([]);
      // The index filter hides the rows that do not match.
      await page.fill('#filter', 'fs_reclaim');
      const shown = await page.locator('table.index tbody tr:visible').count();
      expect(shown).toBeGreaterThan(0);
      expect(shown).toBeLessThan(n);
    }, false); // the viewport only: the whole page of a thousand findings is too tall to capture
    expect(problems).toEqual([]);
  }, 300_000);
});
