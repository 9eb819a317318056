/**
 * The lockreplay command line (commander). Every failure ends as one line on
 * stderr and exit 2; a stack trace only with --debug.
 */
import { Command, CommanderError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { InputError } from '../model/inputError.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../pipeline/runReplay.ts';
import { renderText } from '../report/text.ts';
import { renderJson } from '../report/json.ts';
import { EXIT_DEADLOCK, EXIT_INPUT, EXIT_OK } from './exitCodes.ts';
import type { ReplayResult } from '../report/result.ts';

const debug = process.argv.includes('--debug');

function fail(msg: string): never {
  process.stderr.write(`lockreplay: ${msg.replace(/\n/g, ' ')}\n`);
  process.exit(EXIT_INPUT);
}

function parseSize(v: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(v);
  if (!m) throw new CommanderError(EXIT_INPUT, 'lockreplay.size', `invalid size '${v}'`);
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

function emit(result: ReplayResult, format: string, out: string | undefined): void {
  const text = format === 'json' ? renderJson(result) : renderText(result);
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

function exitCodeOf(result: ReplayResult, strict: boolean): number {
  if (strict && result.warnings.length) return EXIT_INPUT;
  return result.findings.some((f) => f.verdict === 'deadlock') ? EXIT_DEADLOCK : EXIT_OK;
}

const program = new Command();
program
  .name('lockreplay')
  .description('Replay kernel lock traces offline and report every lock-order problem lockdep would, with evidence')
  .version('0.1.0')
  .option('--debug', 'show stack traces of internal errors')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

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
    emit(result, o.format, o.out);
    process.exitCode = exitCodeOf(result, !!o.strict);
  });

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) process.exit(EXIT_OK);
      process.exit(EXIT_INPUT);
    }
    if (e instanceof InputError) fail(e.message);
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    fail(`internal error: ${(e as Error).message}${debug ? '' : ' (run with --debug for details)'}`);
  }
}

await main();
