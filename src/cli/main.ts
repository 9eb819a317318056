/**
 * The lockreplay command line (commander). Every failure ends as one line on
 * stderr and exit 2 (commander's own "error: …" messages too, with the same
 * "lockreplay: " prefix); a stack trace only with --debug. A closed stdout
 * ends the run quietly with 141 (closedPipe.ts).
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../model/inputError.ts';
import { EXIT_INPUT, EXIT_OK } from './exitCodes.ts';
import { registerReplay } from './commands/replay.ts';
import { registerCompareLockdep } from './commands/compareLockdep.ts';
import { registerMerge } from './commands/merge.ts';
import { registerDiff } from './commands/diff.ts';
import { registerExport } from './commands/export.ts';
import { registerFindings } from './commands/findings.ts';
import { registerFinding } from './commands/finding.ts';
import { registerKernelDiff } from './commands/kernelDiff.ts';
import { registerStoreExport } from './commands/storeExport.ts';
import { registerStoreHtml } from './commands/storeHtml.ts';
import { registerIngest } from './commands/ingest.ts';
import { exitQuietlyOnClosedPipe } from './closedPipe.ts';

const debug = process.argv.includes('--debug');
exitQuietlyOnClosedPipe();

/** Commander's usage errors as one "lockreplay: " line, like every other error. */
function commanderErr(s: string): void {
  if (!s.startsWith('error: ')) {
    process.stderr.write(s);
    return;
  }
  process.stderr.write(`lockreplay: ${s.slice('error: '.length).trim().replace(/\s*\n\s*/g, ' ')}\n`);
}

function fail(msg: string): never {
  process.stderr.write(`lockreplay: ${msg.replace(/\n/g, ' ')}\n`);
  process.exit(EXIT_INPUT);
}

const program = new Command();
program
  .name('lockreplay')
  .description('Replay kernel lock traces offline and report every lock-order problem lockdep would, with evidence')
  .version('0.1.0')
  .option('--debug', 'show stack traces of internal errors')
  .exitOverride()
  .configureOutput({ writeErr: commanderErr });

registerReplay(program);
registerCompareLockdep(program);
registerMerge(program);
registerDiff(program);
registerExport(program);
registerIngest(program);
registerFindings(program);
registerFinding(program);
registerKernelDiff(program);
registerStoreExport(program);
registerStoreHtml(program);

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
