/**
 * `lockreplay diff OLD NEW`: what NEW's lock graph adds to or removes from
 * OLD's (graph files or traces), names normalised across boots. Exit 1 when
 * NEW introduces a cycle judged a deadlock (as replay's exit 1), else 0.
 */
import { Command, Option } from 'commander';
import { checkOutputPath } from '../outputPaths.ts';
import { writeFileSync } from 'node:fs';
import { graphOfInput } from '../../graph/graphReplay.ts';
import { diffGraphs, normaliseName, restrictDiff } from '../../graph/graphDiff.ts';
import { compilePattern } from '../../analysis/rules.ts';
import { InputError } from '../../model/inputError.ts';
import { renderDiffText } from '../../graph/graphDiffText.ts';
import { EXIT_DEADLOCK, EXIT_OK } from '../exitCodes.ts';

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two lock graphs (graph files or traces): classes, dependencies and cycles added or removed')
    .argument('<old>', 'graph file or trace')
    .argument('<new>', 'graph file or trace')
    .addOption(new Option('--format <fmt>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --out <file>', 'write the diff to a file')
    .option('--touching <pattern>', 'only classes matching (name, glob or /regex/; repeatable), the dependencies and cycles through them',
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (oldPath: string, newPath: string, o: { format: string; out?: string; touching: string[] }) => {
      checkOutputPath('-o', o.out);
      let d = diffGraphs(await graphOfInput(oldPath), await graphOfInput(newPath));
      if (o.touching.length) {
        const pats = o.touching.map((t) => compilePattern(t, (detail) => { throw new InputError("--touching", undefined, `${t}: ${detail}`); }));
        d = restrictDiff(d, o.touching, (name) => pats.some((p) => p.test(name) || p.test(normaliseName(name))));
      }
      const text = o.format === 'json' ? JSON.stringify(d, null, 2) + '\n' : renderDiffText(d);
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
      process.exitCode = d.cycles.introduced.some((c) => c.verdict === 'deadlock') ? EXIT_DEADLOCK : EXIT_OK;
    });
}
