/**
 * The HTML report at scale (`npm run bench -- --html-only`, also part of the
 * full bench): the report of ../shared/traces/none/trace.dat.xz (a boot where
 * the kernel was silent; ~1000 findings) written with `--format html`, then
 * opened from disk in headless Chromium (/usr/bin/chromium, playwright-core):
 * time to first contentful paint, to DOMContentLoaded and to the load event,
 * then the time to open the first cycle from the index and lay out its graph.
 * Each page load runs `repeat` times in a fresh browser; the fastest counts.
 * Writes the figures into bench/results/html.json (and returns them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const CHROMIUM = '/usr/bin/chromium';
const r2 = (x: number) => Math.round(x * 100) / 100;

export interface HtmlBench {
  input: string;
  findings: number;
  pageBytes: number;
  renderSec: number;
  firstContentfulPaintMs: number;
  domContentLoadedMs: number;
  loadEventMs: number;
  openFirstCycleMs: number;
  runs: number;
}

interface PageTimes { fcp: number; dcl: number; load: number; open: number }

async function openOnce(file: string): Promise<PageTimes> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'lockreplay-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 600_000 });
    const nav = await page.evaluate(() => {
      const n = window.performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const fcp = window.performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint');
      return { fcp: fcp ? fcp.startTime : NaN, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd };
    });
    // Open the first cycle from the index (the click lays its graph out), timed in the page.
    const open = await page.evaluate(() => new Promise<number>((done) => {
      const d = document.querySelector('details.finding:not([open]) .cy')?.closest('details') as HTMLElement | null;
      if (!d) return done(NaN);
      const k = d.getAttribute('data-k');
      const t = window.performance.now();
      (document.querySelector(`table.index tr[data-k="${k}"]`) as HTMLElement).click();
      requestAnimationFrame(() => requestAnimationFrame(() => done(window.performance.now() - t)));
    }));
    return { ...nav, open };
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function htmlBench(root: string, repeat: number): Promise<HtmlBench | { skipped: string }> {
  const trace = resolve(root, '../shared/traces/none/trace.dat.xz');
  if (!existsSync(trace)) return { skipped: `${trace} not found` };
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} not found` };
  const dir = mkdtempSync(join(tmpdir(), 'lockreplay-bench-html-'));
  try {
    const file = join(dir, 'none.html');
    const t = performance.now();
    const run = spawnSync(process.execPath, [join(root, 'bin/lockreplay.js'), 'replay', trace, '--format', 'html', '-o', file], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const renderSec = (performance.now() - t) / 1000;
    if (run.status !== 0 && run.status !== 1) throw new Error(`replay failed: ${run.stderr}`);
    const count = spawnSync('grep', ['-c', '<details class="finding', file], { encoding: 'utf8' });
    let best: PageTimes | undefined;
    for (let k = 0; k < repeat; k++) {
      const p = await openOnce(file);
      if (!best || p.load < best.load) best = p;
    }
    return {
      input: '../shared/traces/none/trace.dat.xz', findings: Number(count.stdout.trim()), pageBytes: statSync(file).size,
      renderSec: r2(renderSec), firstContentfulPaintMs: Math.round(best!.fcp), domContentLoadedMs: Math.round(best!.dcl),
      loadEventMs: Math.round(best!.load), openFirstCycleMs: Math.round(best!.open), runs: repeat,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
