/** The HTML report without a browser: deterministic bytes, self-contained, names escaped in the page and in the embedded data. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiniTrace, task } from '../helpers/miniTrace.ts';
import { cli } from '../helpers/cli.ts';
import { escapeHtml, scriptJson } from '../../src/report/html.ts';

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lockreplay-htmlr-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('html report (rendering)', () => {
  it('is deterministic, offline, and never lets a name close a script element', () => {
    const evil = '</script><img src=x onerror=alert(1)>\u2028"\'&';
    const p = task('lr1_h', 100, 0), q = task('lr2_h', 101, 1);
    const f = join(dir, 't.txt');
    writeFileSync(f, new MiniTrace().acq(p, evil).acq(p, 'b').rel(p, 'b').rel(p, evil).acq(q, 'b').acq(q, evil).rel(q, evil).rel(q, 'b').text());
    const a = cli('replay', f, '--format', 'html');
    const b = cli('replay', f, '--format', 'html');
    expect(a.status).toBe(1);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toContain(evil);
    expect(a.stdout).not.toContain('<img');
    expect(a.stdout).toContain(escapeHtml(evil));
    expect(a.stdout).toContain(scriptJson(evil).slice(1, -1));
    // Nothing is fetched: no external URL in any src/href, and a CSP forbids it anyway.
    expect(a.stdout).not.toMatch(/\s(src|href)=["']?(https?:)?\/\//i);
    expect(a.stdout).toContain("default-src 'none'");
    // The only script end tags are the page's own three elements.
    expect(a.stdout.match(/<\/script/gi)).toHaveLength(3);
  });
});
