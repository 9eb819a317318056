/**
 * `lockreplay export --format dot [--cycles] <trace or graph...>`: the lock
 * graph for Graphviz. Inputs combine as in `replay` (each trace its own
 * capture unless --one-capture, graph files merged in), so cycles across
 * captures can be drawn too.
 */
import { Command, Option } from 'commander';
import { checkOutputPath } from '../outputPaths.ts';
import { writeFileSync } from 'node:fs';
import { DEFAULT_RUN_OPTIONS } from '../../pipeline/runReplay.ts';
import { replayWithGraphs } from '../../graph/graphReplay.ts';
import { renderDot } from '../../report/dot.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export the lock-class dependency graph (Graphviz DOT), whole or per cycle with its neighbourhood')
    .argument('<input...>', 'traces and/or graph files')
    .addOption(new Option('--format <fmt>', 'export format').choices(['dot']).default('dot'))
    .option('--cycles', 'one cluster per cycle finding and the classes one dependency away, instead of the whole graph')
    .option('-o, --out <file>', 'write to a file')
    .option('--one-capture', 'the trace inputs are consecutive pieces of one recording (default: each is its own capture)')
    .action(async (inputs: string[], o: { format: string; cycles?: boolean; out?: string; oneCapture?: boolean }) => {
      checkOutputPath('-o', o.out);
      const { result, graph } = await replayWithGraphs({ ...DEFAULT_RUN_OPTIONS, inputs }, { oneCapture: !!o.oneCapture });
      const text = renderDot(graph, result.findings, { cycles: !!o.cycles });
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
