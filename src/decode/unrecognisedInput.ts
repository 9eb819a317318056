/**
 * The message for an input no decoder reads: what the file is, when it is something known, and what to
 * run to get a trace lockreplay replays. Detection is detectFormat.ts's; this is only the wording.
 */
import { FORMATS_TRIED, identifyOtherFile } from './detectFormat.ts';

const HINTS: Record<NonNullable<ReturnType<typeof identifyOtherFile>>, string> = {
  'lock-stat': 'the kernel\'s lock statistics (/proc/lock_stat): contention counts per lock class, with no event order to replay; record the lock events instead (`trace-cmd record -e lock`, or scripts/lockreplay-capture.sh) or compare graphs with a /proc/lockdep dump (`lockreplay diff`)',
  'dmesg-lockdep': 'a kernel log (dmesg) with a lockdep report: that is lockdep\'s own verdict, not a trace; to replay what led to it, record the lock events of a run (`trace-cmd record -e lock`, or scripts/lockreplay-capture.sh) and replay that',
  dmesg: 'a kernel log (dmesg), not a trace; record the lock events (`trace-cmd record -e lock`, or scripts/lockreplay-capture.sh) and replay that',
  html: 'an HTML page with no trace inside lockreplay reads (systrace/catapult HTML carries its trace in a <script class="trace-data"> element as ftrace text)',
  json: 'JSON that is neither perf\'s `perf data convert --to-json` output nor a lockreplay graph file',
  binary: 'a binary file of an unknown kind (trace-cmd trace.dat and perf.data are recognised by their magic bytes)',
};

/** "not a recognised trace: <what it is, what to run>" or the list of formats tried. */
export function unrecognisedMessage(head: Uint8Array): string {
  const kind = identifyOtherFile(head);
  return kind ? `not a trace lockreplay reads: ${HINTS[kind]}` : `not a recognised trace (tried: ${FORMATS_TRIED})`;
}
