/**
 * `--instance NAME` names a trace-cmd buffer instance. It must select something: on an input without
 * instance names (ftrace text, perf) it is refused up front, and a trace-cmd report in which no event
 * belongs to it is refused at its end, naming the instances seen (as trace.dat does), never 0 events and
 * exit 0.
 */
import type { Detection } from '../decode/detectFormat.ts';
import { InputError } from '../model/inputError.ts';

/** Before decoding: is --instance meaningful for this input at all? */
export function checkInstanceApplies(input: string, detection: Detection, instance: string | undefined): void {
  if (instance === undefined) return;
  const f = detection.format;
  if (f === 'trace-dat' || (f === 'trace-cmd-report' && detection.instanceMode)) return;
  // the unnamed top-level buffer is what an input without instance names holds
  if (instance === '' && (f === 'ftrace' || f === 'trace-cmd-report')) return;
  throw new InputError(input, undefined, `--instance ${JSON.stringify(instance)}: this ${f} input has no trace-cmd buffer instance names (--instance picks one buffer of a trace.dat or of a trace-cmd report with instance prefixes)`);
}

/** After decoding a trace-cmd report: did the chosen instance hold any event? */
export function checkInstanceFound(input: string, detection: Detection, instance: string | undefined, events: number): void {
  if (instance === undefined || events > 0 || detection.format !== 'trace-cmd-report' || !detection.instanceMode) return;
  const seen = detection.instances?.length ? ` (instances seen: ${detection.instances.map((i) => JSON.stringify(i)).join(', ')})` : '';
  throw new InputError(input, undefined, `no events of buffer instance ${JSON.stringify(instance)}${seen}`);
}
