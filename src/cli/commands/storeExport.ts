/**
 * `lockreplay store-export --store URL [--format json|kcidb] [filters]`: the
 * selected findings with where they were seen and their evidence
 * (`lockreplay/store-export@1`), or as KCIDB I/O v5 issues and incidents
 * (store/kcidbExport: the export records the issue versions it hands out).
 */
import { Command, Option } from 'commander';
import { withStore } from '../../store/openStore.ts';
import { exportStore } from '../../store/storeExport.ts';
import { exportKcidb } from '../../store/kcidbExport.ts';
import { emit, filterOptions, findingFilter, type FilterOptions } from '../storeOptions.ts';

export function registerStoreExport(program: Command): void {
  filterOptions(program
    .command('store-export')
    .description('export a store\'s findings: lockreplay JSON, or KernelCI KCIDB I/O v5 (issues and incidents)'))
    .addOption(new Option('--format <fmt>', 'export format').choices(['json', 'kcidb']).default('json'))
    .option('-o, --out <file>', 'write the export to a file')
    .action(async (o: FilterOptions & { format: string; out?: string }) => {
      const filter = findingFilter(o);
      await withStore(o.store, { readOnly: o.format !== 'kcidb' }, async (store) => {
        const data = o.format === 'kcidb' ? await exportKcidb(store, filter) : await exportStore(store, store.location, filter);
        emit(JSON.stringify(data, null, 2) + '\n', o.out);
      });
    });
}
