/**
 * One sample of `perf data convert --to-json` into one event slot.
 *
 * perf writes each sample as {timestamp, pid, tid, cpu, comm, callchain}
 * (tools/perf/util/data-convert-json.c: process_sample_event()). Built with
 * libtraceevent, newer perf also appends the tracepoint's own fields, each as
 * a string printed by tep_print_field() under the field's name. perf 6.1 (the
 * captures here) writes no such fields, so its JSON cannot be replayed.
 *
 * Assumed shape when fields are present (documented; no real capture has it):
 *   "event": "lock:lock_acquire"            (the evsel name; proposed upstream,
 *                                            needed to tell release from
 *                                            contended/acquired, which share fields)
 *   lock_*:      "lockdep_addr": "0xffff...", "name": "...", lock_acquire also "flags": "0".."3"
 *   workqueue_*: "work": "0x...", "function": "...", queue_work also "workqueue": "..."
 * The event name may also carry no "sys:" prefix.
 */
import { EventKind, IrqBits, LockFlags } from '../../model/eventKind.ts';
import type { BatchBuilder } from '../../model/batch.ts';
import type { ByteInterner } from '../../model/byteInterner.ts';

export type PerfJsonSample = Record<string, unknown>;

/** Keys perf writes for every sample, tracepoint or not. */
const COMMON_KEYS = new Set(['timestamp', 'pid', 'tid', 'cpu', 'comm', 'callchain', 'event', 'ip', 'period']);

const KIND_OF_EVENT = new Map<string, number>([
  ['lock_acquire', EventKind.Acquire], ['lock_release', EventKind.Release],
  ['lock_contended', EventKind.Contended], ['lock_acquired', EventKind.Acquired],
  ['workqueue_queue_work', EventKind.WqQueue], ['workqueue_activate_work', EventKind.WqActivate],
  ['workqueue_execute_start', EventKind.WqStart], ['workqueue_execute_end', EventKind.WqEnd],
]);

/** True if the sample carries any tracepoint field (anything beyond perf's common keys). */
export function hasTracepointFields(s: PerfJsonSample): boolean {
  for (const k of Object.keys(s)) if (!COMMON_KEYS.has(k)) return true;
  return false;
}

/** The EventKind of a sample, -1 for other events, -2 when the sample has no event name. */
export function kindOfSample(s: PerfJsonSample): number {
  const ev = s.event;
  if (typeof ev !== 'string') return -2;
  const colon = ev.indexOf(':');
  const sys = colon < 0 ? '' : ev.slice(0, colon);
  if (sys !== '' && sys !== 'lock' && sys !== 'workqueue') return -1;
  return KIND_OF_EVENT.get(colon < 0 ? ev : ev.slice(colon + 1)) ?? -1;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/**
 * Fills one slot from a sample of a known kind. Returns a problem description
 * (the caller counts it) or undefined on success.
 */
export function fillSample(s: PerfJsonSample, kind: number, pos: number, out: BatchBuilder, strings: ByteInterner): string | undefined {
  const ts = s.timestamp, cpu = s.cpu, tid = s.tid;
  if (typeof ts !== 'number' || typeof tid !== 'number') return 'sample without numeric timestamp/tid';
  if (tid < 0) return 'tid -1: perf could not resolve the task';
  const i = out.push(kind, ts, typeof cpu === 'number' ? cpu : 0, tid, IrqBits.NoFlags, pos);
  const fail = (why: string): string => {
    out.length--;
    return why;
  };
  out.comm[i] = strings.internString(str(s.comm) ?? '');
  if (kind <= EventKind.Acquired) {
    const addr = str(s.lockdep_addr), name = str(s.name);
    if (addr === undefined || name === undefined || name === '') return fail('lock event without lockdep_addr/name fields');
    out.addr[i] = strings.internString(addr);
    out.name[i] = strings.internString(name);
    if (kind === EventKind.Acquire) {
      const flags = Number(str(s.flags) ?? 'NaN');
      if (!Number.isInteger(flags)) return fail('lock_acquire without a numeric flags field');
      out.lockFlags[i] = flags & (LockFlags.Try | LockFlags.Read);
    }
    return undefined;
  }
  const work = str(s.work);
  if (work === undefined) return fail('workqueue event without a work field');
  out.addr[i] = strings.internString(work);
  const fn = str(s.function);
  if (fn !== undefined) out.name[i] = strings.internString(fn);
  else if (kind !== EventKind.WqActivate) return fail('workqueue event without a function field');
  if (kind === EventKind.WqQueue) {
    const wq = str(s.workqueue);
    if (wq === undefined) return fail('workqueue_queue_work without a workqueue field');
    out.aux[i] = strings.internString(wq);
  }
  return undefined;
}
