/** The real CLI (node bin/lockreplay.js) run synchronously from the project root, for the tests that check commands end to end. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'bin/lockreplay.js');
/** The real captures beside the project (present in CI); tests that need them skip, saying so, without. */
export const SHARED_TRACES = resolve(ROOT, '../shared/traces');

export function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
}
