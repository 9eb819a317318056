/**
 * Golden reports of the bundled fixtures (text and JSON, byte for byte), the
 * kernel's verdict on each fixture, and decoding independence of the frame
 * size (`--chunk-size 1K` and 64 bytes give the same JSON).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, GOLDEN_DIR, ROOT, fixturePath, goldenTexts, replayFixture } from './fixtures.ts';
import { renderJson } from '../../src/report/json.ts';

const REGEN = 'regenerate with `node --import tsx tests/golden/update.ts` and review `git diff tests/golden`';
const norm = (c: string) => c.replace(/#\d+$/, '');

describe.each(Object.keys(FIXTURES))('fixture %s', (name) => {
  it('is bundled, small', () => {
    const p = join(ROOT, fixturePath(name));
    expect(existsSync(p), `${p} missing`).toBe(true);
    expect(statSync(p).size).toBeLessThan(300 * 1024);
  });

  it('matches its golden reports', async () => {
    const { json, txt } = await goldenTexts(name);
    for (const [ext, got] of [['json', json], ['txt', txt]] as const) {
      const file = join(GOLDEN_DIR, `${name}.${ext}`);
      expect(existsSync(file), `tests/golden/${name}.${ext} missing: ${REGEN}`).toBe(true);
      expect(got, `tests/golden/${name}.${ext} differs: ${REGEN}`).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('gives the kernel\'s verdict', async () => {
    const r = await replayFixture(name);
    const dead = r.findings.filter((f) => f.verdict === 'deadlock');
    const want = FIXTURES[name];
    if (!want) {
      expect(dead).toEqual([]);
      return;
    }
    expect(dead.map((f) => ({ kind: f.kind, classes: [...new Set(f.classes.map(norm))].sort() }))).toEqual([want]);
  });

  it('decodes to the same JSON with 1K and 64-byte frames', async () => {
    const base = renderJson(await replayFixture(name));
    expect(renderJson(await replayFixture(name, 1024))).toBe(base);
    expect(renderJson(await replayFixture(name, 64))).toBe(base);
  });
});
