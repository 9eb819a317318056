/**
 * `lockreplay merge G1 G2 ... -o OUT`: the union of graphs from several
 * captures (boots, kernels), written as one graph file, and the union's
 * findings on stdout, judged as replay judges them: a cycle whose halves were
 * seen in different captures shows up here, each dependency citing its
 * capture. Trace inputs are replayed first, each as its own capture.
 */
import { Command, Option } from 'commander';
import { checkOutputPath } from '../outputPaths.ts';
import { writeFileSync } from 'node:fs';
import { DEFAULT_RUN_OPTIONS } from '../../pipeline/runReplay.ts';
import { serializeGraph } from '../../graph/graphFile.ts';
import { captureSources, judgeCaptures } from '../../graph/graphReplay.ts';
import { emitReport, exitCodeOf } from '../output.ts';
import { selectFindings } from '../../report/selection.ts';
import { addTriageOptions, filtersOf, type TriageOptions } from '../triageOptions.ts';

export function registerMerge(program: Command): void {
  const cmd = program
    .command('merge')
    .description('merge graph files (or traces, each one capture) into one graph and report the union\'s lock-order problems')
    .argument('<graph...>', 'graph files (lockreplay/graph@2 or @1) or traces')
    .requiredOption('-o, --out <file>', 'write the merged graph here')
    .addOption(new Option('--format <fmt>', 'report format').choices(['text', 'json', 'html']).default('text'));
  addTriageOptions(cmd)
    .action(async (paths: string[], o: TriageOptions & { out: string; format: string }) => {
      checkOutputPath('-o', o.out);
      // The same semantics as `replay` of several inputs: each trace is its own capture.
      const { result, graph } = await judgeCaptures(await captureSources(paths, false), { ...DEFAULT_RUN_OPTIONS, inputs: paths }, {});
      writeFileSync(o.out, serializeGraph(graph));
      emitReport(selectFindings(result, filtersOf(o)), o.format, undefined, { full: o.full });
      process.exitCode = exitCodeOf(result, false);
    });
}
