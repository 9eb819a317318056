/**
 * Regenerates the golden reports from the bundled fixtures:
 *   node --import tsx tests/golden/update.ts
 * Review the diff (git diff tests/golden) before handing it in: a golden is
 * what the code produces, checked by a person, never edited by hand.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, GOLDEN_DIR, goldenTexts } from './fixtures.ts';

for (const name of Object.keys(FIXTURES)) {
  const { json, txt } = await goldenTexts(name);
  writeFileSync(join(GOLDEN_DIR, `${name}.json`), json);
  writeFileSync(join(GOLDEN_DIR, `${name}.txt`), txt);
  console.log(`wrote tests/golden/${name}.json, ${name}.txt`);
}
