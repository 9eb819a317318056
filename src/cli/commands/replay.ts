/** `lockreplay replay <trace...>`: replay captures and report every lock-order problem. */
import { Command, Option } from 'commander';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../pipeline/runReplay.ts';
import { emitReport, exitCodeOf, parseSize } from '../output.ts';

export function registerReplay(program: Command): void {
  program
  .command('replay')
  .description('replay traces (ftrace text, trace-cmd report; "-" reads stdin) and report lock-order problems')
  .argument('<trace...>', 'trace files, or - for stdin')
  .addOption(new Option('--format <fmt>', 'report format').choices(['text', 'json']).default('text'))
  .option('-o, --out <file>', 'write the report to a file')
  .option('--strict', 'exit 2 if any warning was raised')
  .option('--instance <name>', 'trace-cmd buffer instance to replay')
  .addOption(new Option('--wq-model <model>', 'workqueue classes: per instance (>= 5.1) or shared by name (older kernels)').choices(['dynamic', 'shared']).default('dynamic'))
  .option('--chunk-size <size>', 'bytes per decoded frame (e.g. 4M)', parseSize)
  .action(async (traces: string[], o: { format: string; out?: string; strict?: boolean; instance?: string; wqModel: 'dynamic' | 'shared'; chunkSize?: number }) => {
    const result = await runReplay({
      ...DEFAULT_RUN_OPTIONS,
      inputs: traces,
      instance: o.instance,
      frameBytes: o.chunkSize ?? DEFAULT_RUN_OPTIONS.frameBytes,
      replay: { ...DEFAULT_RUN_OPTIONS.replay, wqModel: o.wqModel },
    });
    emitReport(result, o.format, o.out);
    process.exitCode = exitCodeOf(result, !!o.strict);
  });

}
