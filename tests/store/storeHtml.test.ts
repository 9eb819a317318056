/**
 * The store's HTML page in real headless Chromium: opens from disk with no
 * network and no errors, lists the findings under each kernel version (a
 * cross-capture one marked with its captures), shows each finding's evidence,
 * and keeps a hostile class name as text. Built on SQLite (the page reads the
 * store through the same queries on both engines: tests/store/storeQueries).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cli } from '../helpers/cli.ts';
import { HAVE_CHROMIUM, CHROMIUM, openInChromium } from '../helpers/chromium.ts';
import { smallGraph } from '../helpers/smallGraph.ts';
import { serializeGraph } from '../../src/graph/graphFile.ts';

const EVIL = '</style><script>window.__pwned=1</script>';
const dir = mkdtempSync(join(tmpdir(), 'lockreplay-store-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
if (!HAVE_CHROMIUM) console.warn(`store html browser test skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

describe.skipIf(!HAVE_CHROMIUM && process.env.CI !== 'true')('store html page in Chromium', () => {
  it('shows findings by kernel version with their evidence and captures, names as text', async () => {
    const store = join(dir, 'fleet.db');
    const ingest = (...a: string[]) => expect(cli('ingest', '--store', store, ...a).stderr).toBe('');
    ingest(join(ROOT, 'traces/abba-step1.txt.xz'), '--kernel', '6.1', '--capture', 'ci-m1');
    ingest(join(ROOT, 'traces/abba-step2.txt.xz'), '--kernel', '6.1', '--capture', 'ci-m2');
    const evil = join(dir, 'evil.graph.json');
    writeFileSync(evil, serializeGraph(smallGraph('evil-capture', [{ from: EVIL, to: 'y' }, { from: 'y', to: EVIL }], '6.12')));
    ingest(evil);
    const html = join(dir, 'store.html');
    expect(cli('store-html', '--store', store, '-o', html)).toMatchObject({ status: 0, stderr: '' });
    const listed = JSON.parse(cli('findings', '--store', store, '--format', 'json').stdout).findings as { id: string; title: string }[];
    expect(listed).toHaveLength(2);
    expect(readFileSync(html, 'utf8')).not.toContain(EVIL);
    const problems = await openInChromium(html, 'store-html.png', async (page) => {
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      for (const f of listed) expect(await page.locator(`section[id="f-${f.id}"]`).count()).toBe(1);
      const headings = await page.locator('h2').allTextContents();
      expect(headings.slice(0, 2)).toEqual(['kernel 6.1', 'kernel 6.12']);
      const body = (await page.textContent('body')) ?? '';
      expect(body).toContain(EVIL);
      expect(body).toMatch(/across ci-m1, ci-m2/);
      // The cross-capture finding's evidence: each dependency with the capture it came from.
      expect(body).toMatch(/lr_mutex_a -> lr_mutex_b seen 1x, kinds E->E, in ci-m1/);
      expect(body).toMatch(/ci-m2: \S*abba-step2\.txt\.xz:\d+ ts [\d.]+ cpu \d lr2_abba\/\d+/);
      expect(await page.locator('h2:has-text("captures") + table tr').count()).toBe(4);
    });
    expect(problems).toEqual([]);
  });
});
