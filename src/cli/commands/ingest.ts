/**
 * `lockreplay ingest <trace|graph...> --store URL --kernel VER`: each input is
 * one capture, replayed (or read, for a graph file) and written into the
 * store in a transaction of its own. One line per capture: new or already
 * present, with its counts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_RUN_OPTIONS } from '../../pipeline/runReplay.ts';
import { loadRules } from '../../analysis/rules.ts';
import { defaultStore } from '../../store/storeUrl.ts';
import { withStore } from '../../store/openStore.ts';
import { loadCapture } from '../../store/captureSource.ts';
import { ingestWithCrossCapture, type CrossCaptureIngestOutcome } from '../../store/crossCaptureIngest.ts';
import { defaultWorkers, parseWorkers } from '../optionValues.ts';

interface IngestOptions {
  store: string;
  kernel?: string;
  machine?: string;
  capture?: string;
  buildId?: string;
  testId?: string;
  wqModel: 'dynamic' | 'shared';
  rules?: string;
  workers: number;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('add captures (traces or graph files, each one capture) to a store: SQLite file or PostgreSQL server')
    .argument('<input...>', 'traces or graph files; each is one capture')
    .option('--store <url>', 'store: an SQLite file, or postgres://... (default: $LOCKREPLAY_STORE, else lockgraph.db)', defaultStore())
    .option('--kernel <version>', 'kernel version of the captures (required for traces; a graph file may record its own)')
    .option('--machine <name>', 'machine the captures come from')
    .option('--capture <name>', 'capture name (one input only; default: the input\'s path, or the graph\'s capture names)')
    .option('--build-id <id>', 'KernelCI build id the captures belong to (KCIDB export)')
    .option('--test-id <id>', 'KernelCI test id the captures belong to (KCIDB export)')
    .addOption(new Option('--wq-model <model>', 'workqueue classes: per instance (>= 5.1) or shared by name (older kernels)').choices(['dynamic', 'shared']).default('dynamic'))
    .option('--rules <file>', 'rules file (JSON, docs/rules.md) applied when replaying traces')
    .option('--workers <n>', 'threads per replay (default: as replay --workers)', parseWorkers, defaultWorkers())
    .action(async (inputs: string[], o: IngestOptions) => {
      if (o.capture !== undefined && inputs.length > 1) throw new InvalidArgumentError('--capture names one capture: give one input with it');
      const run = {
        ...DEFAULT_RUN_OPTIONS, workers: o.workers,
        replay: { ...DEFAULT_RUN_OPTIONS.replay, wqModel: o.wqModel, ...(o.rules !== undefined ? { rules: loadRules(o.rules) } : {}) },
      };
      await withStore(o.store, {}, async (store) => {
        for (const input of inputs) {
          const rec = await loadCapture(input, run, { name: o.capture, kernel: o.kernel, machine: o.machine, buildId: o.buildId, testId: o.testId });
          process.stdout.write(`${describeOutcome(await ingestWithCrossCapture(store, rec))}\n`);
        }
      });
    });
}

export function describeOutcome(r: CrossCaptureIngestOutcome): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (r.status === 'present') {
    return `${r.name}: already present as capture ${r.captureId} (kernel ${r.kernel}): nothing changed`;
  }
  return `${r.name}: new capture ${r.captureId} (kernel ${r.kernel}): ${plural(r.classes, 'class', 'classes')}, `
    + `${plural(r.dependencies, 'dependency', 'dependencies')} (${r.newDependencies} new in ${r.kernel}), `
    + `${plural(r.findings, 'finding', 'findings')} (${r.newFindings} new)`
    + (r.crossCapture.found || r.crossCapture.rejudged
      ? `, cross-capture: ${r.crossCapture.found} found, ${r.crossCapture.rejudged} re-judged (${plural(r.crossCapture.deadlocks, 'deadlock', 'deadlocks')})`
      : '');
}
