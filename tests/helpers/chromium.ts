/**
 * A page opened from disk in real headless Chromium (Debian's, via
 * playwright-core), with every console error, page error and non-file request
 * collected; a full-page screenshot goes to tests/report/out/ (generated).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './cli.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
const OUT = join(ROOT, 'tests/report/out');

/** Opens `file`, runs `act`, takes the screenshot `shot`; returns the problems seen (console errors, page errors, network requests). */
export async function openInChromium(file: string, shot: string, act: (page: import('playwright-core').Page) => Promise<void>, fullPage = true): Promise<string[]> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'lockreplay-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems: string[] = [];
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`network: ${r.url()}`); });
    await page.goto(pathToFileURL(file).href);
    await page.waitForLoadState('load');
    await act(page);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, shot), fullPage });
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return problems;
}
