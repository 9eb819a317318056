/**
 * `lockreplay kernel-diff OLD NEW --store URL`: two kernel versions of a
 * store compared (store/kernelDiff): classes and dependencies added and
 * removed, findings introduced, gone, or judged differently. diff's contract:
 * exit 1 when NEW introduces a cycle judged a deadlock, else 0.
 */
import { Command, Option } from 'commander';
import { withStore } from '../../store/openStore.ts';
import { diffKernels, introducesDeadlock, renderKernelDiffText } from '../../store/kernelDiff.ts';
import { emit, storeOption } from '../storeOptions.ts';
import { EXIT_DEADLOCK, EXIT_OK } from '../exitCodes.ts';

export function registerKernelDiff(program: Command): void {
  storeOption(program
    .command('kernel-diff')
    .description('compare two kernel versions of a store: dependencies and findings added or gone (exit 1 when a new deadlock cycle appears)')
    .argument('<old>', 'older kernel version (as given to ingest --kernel)')
    .argument('<new>', 'newer kernel version'))
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --out <file>', 'write the diff to a file')
    .action(async (oldK: string, newK: string, o: { store: string; format: string; out?: string }) => {
      await withStore(o.store, { readOnly: true }, async (store) => {
        const d = await diffKernels(store, oldK, newK);
        emit(o.format === 'json' ? JSON.stringify(d, null, 2) + '\n' : renderKernelDiffText(d), o.out);
        process.exitCode = introducesDeadlock(d) ? EXIT_DEADLOCK : EXIT_OK;
      });
    });
}
