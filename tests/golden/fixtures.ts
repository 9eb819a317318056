/**
 * The bundled fixtures (traces/*.trace.txt.xz, cut from the real captures in
 * ../shared/traces) and how their golden reports are produced. Shared by
 * tests/golden/update.ts (writes the goldens) and golden.test.ts (compares).
 */
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.ts';
import { runReplay, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderText } from '../../src/report/text.ts';
import type { ReplayResult } from '../../src/report/result.ts';

export { ROOT };
export const GOLDEN_DIR = join(ROOT, 'tests/golden');

/** Fixture name -> the kernel's verdict for its scenario (dmesg.txt of the capture it was cut from). */
export const FIXTURES: Record<string, { kind: string; classes: string[] } | null> = {
  abba: { kind: 'circular-dependency', classes: ['lr_mutex_a', 'lr_mutex_b'] },
  wq_flush: { kind: 'circular-dependency', classes: ['(work_completion)(&lr_work)', '(wq_completion)lr_wq', 'lr_wq_mutex'] },
  reclaim: { kind: 'circular-dependency', classes: ['fs_reclaim', 'lr_reclaim_mutex'] },
  pseudo_aa: { kind: 'recursive-locking', classes: ['lr_inode_dio'] },
  irq_inversion: { kind: 'inconsistent-irq-state', classes: ['lr_irq_lock'] },
  nested_ok: null,
  trylock_ok: null,
  wq_unused: null,
};

/** Relative to ROOT, so the reports name the input the same way wherever the checkout is. */
export const fixturePath = (name: string) => `traces/${name}.trace.txt.xz`;

/** Replays a fixture as the CLI does (`lockreplay replay traces/<name>.trace.txt.xz`). */
export async function replayFixture(name: string, frameBytes = DEFAULT_RUN_OPTIONS.frameBytes): Promise<ReplayResult> {
  process.chdir(ROOT);
  return runReplay({ ...DEFAULT_RUN_OPTIONS, frameBytes, inputs: [fixturePath(name)] });
}

export async function goldenTexts(name: string): Promise<{ json: string; txt: string }> {
  const r = await replayFixture(name);
  return { json: renderJson(r), txt: renderText(r) };
}
