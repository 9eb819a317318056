/**
 * `lockreplay findings --store URL [filters]`: the store's findings, strongest
 * verdict first, each with its figures per kernel version (captures, first
 * and last seen, found across captures). Exit 1 when a listed finding is a
 * deadlock, as replay's.
 */
import { Command, Option } from 'commander';
import { withStore } from '../../store/openStore.ts';
import { listFindings } from '../../store/findingQueries.ts';
import { renderFindingList } from '../../store/findingsText.ts';
import { emit, filterOptions, findingFilter, type FilterOptions } from '../storeOptions.ts';
import { EXIT_DEADLOCK, EXIT_OK } from '../exitCodes.ts';

export function registerFindings(program: Command): void {
  filterOptions(program
    .command('findings')
    .description('list the findings of a store (filter by kernel version, kind, verdict, class, new in a version)'))
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --out <file>', 'write the list to a file')
    .action(async (o: FilterOptions & { format: string; out?: string }) => {
      const filter = findingFilter(o);
      await withStore(o.store, { readOnly: true }, async (store) => {
        const findings = await listFindings(store, filter);
        emit(o.format === 'json' ? JSON.stringify({ schema: 'lockreplay/store-findings@1', store: store.location, findings }, null, 2) + '\n'
          : renderFindingList(findings, store.location), o.out);
        process.exitCode = findings.some((f) => f.verdict === 'deadlock') ? EXIT_DEADLOCK : EXIT_OK;
      });
    });
}
