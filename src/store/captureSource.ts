/**
 * One `ingest` input as one capture: a trace is replayed (the same pipeline as
 * `replay --save-graph`), a graph file is read and judged (the same code as
 * `merge`); either way the store gets the graph and the report the rest of
 * lockreplay would show for it.
 */
import { InputError } from '../model/inputError.ts';
import type { RunOptions } from '../pipeline/runReplay.ts';
import { isGraphInput, replayCapture, unionOf } from '../graph/graphReplay.ts';
import { captureRecord, type CaptureMetaIn, type CaptureRecord } from './captureRecord.ts';

export interface CaptureLabels {
  /** Capture name; default: the trace's path, or the graph file's capture names. */
  name?: string;
  /** Kernel version; a graph file may carry its own. */
  kernel?: string;
  machine?: string;
  buildId?: string;
  testId?: string;
}

export async function loadCapture(path: string, opts: Omit<RunOptions, 'inputs'>, labels: CaptureLabels): Promise<CaptureRecord> {
  if (await isGraphInput(path)) {
    const { result, graph } = await unionOf([path]);
    const kernels = [...new Set(graph.captures.map((c) => c.kernel).filter((k) => k !== undefined))];
    const kernel = labels.kernel ?? (kernels.length === 1 ? kernels[0] : undefined);
    if (kernel === undefined) {
      throw new InputError(path, undefined, kernels.length ? `the graph's captures are of several kernel versions (${kernels.join(', ')}): give --kernel` : 'the graph records no kernel version: give --kernel');
    }
    return captureRecord(graph, result, meta(labels, labels.name ?? graph.captures.map((c) => c.name).join(', '), kernel), true);
  }
  if (labels.kernel === undefined) throw new InputError(path, undefined, 'a trace does not say its kernel version: give --kernel');
  const { result, graph } = await replayCapture({ ...opts, inputs: [path] }, { name: labels.name, kernel: labels.kernel });
  return captureRecord(graph, result, meta(labels, graph.captures[0].name, labels.kernel), false);
}

function meta(labels: CaptureLabels, name: string, kernel: string): CaptureMetaIn {
  const m: CaptureMetaIn = { name, kernel };
  if (labels.machine !== undefined) m.machine = labels.machine;
  if (labels.buildId !== undefined) m.buildId = labels.buildId;
  if (labels.testId !== undefined) m.testId = labels.testId;
  return m;
}
