/**
 * `lockreplay store-html --store URL -o page.html [filters]`: one
 * self-contained page of the store (store/storeHtml): findings by kernel
 * version with first/last seen, each finding's evidence and captures.
 */
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { withStore } from '../../store/openStore.ts';
import { exportStore } from '../../store/storeExport.ts';
import { renderStoreHtml } from '../../store/storeHtml.ts';
import { filterOptions, findingFilter, type FilterOptions } from '../storeOptions.ts';

export function registerStoreHtml(program: Command): void {
  filterOptions(program
    .command('store-html')
    .description('one self-contained HTML page of a store: findings by kernel version, their evidence and captures'))
    .requiredOption('-o, --out <file>', 'write the page here')
    .action(async (o: FilterOptions & { out: string }) => {
      const filter = findingFilter(o);
      await withStore(o.store, { readOnly: true }, async (store) => {
        writeFileSync(o.out, renderStoreHtml(await exportStore(store, store.location, filter)));
      });
    });
}
