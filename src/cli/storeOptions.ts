/** Options shared by the commands that read a store: which store, which findings. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { defaultStore } from '../store/storeUrl.ts';
import { VERDICTS, type FindingFilter } from '../store/findingQueries.ts';

export interface FilterOptions {
  store: string;
  kernel?: string;
  kind?: string;
  verdict?: string;
  class: string[];
  newIn?: string;
  comparedWith?: string;
}

const KINDS = ['circular-dependency', 'recursive-locking', 'inconsistent-irq-state', 'irq-safe-unsafe'];

export function storeOption(cmd: Command): Command {
  return cmd.option('--store <url>', 'store: an SQLite file, or postgres://... (default: $LOCKREPLAY_STORE, else lockgraph.db)', defaultStore());
}

export function filterOptions(cmd: Command): Command {
  return storeOption(cmd)
    .option('--kernel <version>', 'only findings seen in this kernel version (and only its figures)')
    .addOption(new Option('--kind <kind>', 'only findings of this kind').choices(KINDS))
    .addOption(new Option('--verdict <verdict>', 'only findings whose strongest verdict (over the versions shown) is this').choices(VERDICTS))
    .option('--class <pattern>', 'only findings with a class matching (name, glob or /regex/, over normalised names; repeatable)',
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--new-in <version>', 'only findings seen in this kernel version and not in --compared-with\'s')
    .option('--compared-with <version>', 'the older kernel version for --new-in');
}

export function findingFilter(o: FilterOptions): FindingFilter {
  if ((o.newIn === undefined) !== (o.comparedWith === undefined)) throw new InvalidArgumentError('--new-in and --compared-with go together');
  const f: FindingFilter = {};
  if (o.kernel !== undefined) f.kernel = o.kernel;
  if (o.kind !== undefined) f.kind = o.kind;
  if (o.verdict !== undefined) f.verdict = o.verdict;
  if (o.class.length) f.classes = o.class;
  if (o.newIn !== undefined) {
    f.newIn = o.newIn;
    f.comparedWith = o.comparedWith;
  }
  return f;
}

export function emit(text: string, out: string | undefined): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}
