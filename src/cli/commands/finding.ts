/**
 * `lockreplay finding ID --store URL`: one finding (by ID, an alias from an
 * older key scheme, or a unique prefix) with everything the store has of it:
 * its figures per kernel version, each capture that reported it with the
 * evidence it reported, and the cycles found across captures.
 */
import { Command, Option } from 'commander';
import { withStore } from '../../store/openStore.ts';
import { showFinding } from '../../store/findingQueries.ts';
import { renderFindingDetail } from '../../store/findingsText.ts';
import { StoreError } from '../../store/engine.ts';
import { emit, storeOption } from '../storeOptions.ts';

export function registerFinding(program: Command): void {
  storeOption(program
    .command('finding')
    .description('show one finding of a store by its ID, with its evidence and where it was seen')
    .argument('<id>', 'finding ID (12 hex digits; a unique prefix of 6 or more will do)'))
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (id: string, o: { store: string; format: string }) => {
      await withStore(o.store, { readOnly: true }, async (store) => {
        const f = await showFinding(store, id);
        if (!f) throw new StoreError(store.location, `no finding ${id} in this store`);
        emit(o.format === 'json' ? JSON.stringify(f, null, 2) + '\n' : renderFindingDetail(f), undefined);
      });
    });
}
