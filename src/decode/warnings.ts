/**
 * The vocabulary of warnings (robustness issue): each is counted, and the first
 * few locations are kept. Nothing is skipped without landing here.
 *
 * Two sorts share the vocabulary (and the counting): what means the input is
 * damaged or cannot be read as the kernel wrote it (warnings: `--strict` fails
 * on them), and what every real capture shows because the kernel does it or
 * the capture window cuts it (OBSERVATION_KINDS: reported as observations,
 * never warnings).
 */
/** What a capture without lock events lacks, and what to enable (include/trace/events/lock.h). */
export const NO_LOCK_EVENTS =
  'inputs with no lock events at all (lock_acquire/lock_release): lockdep was off or the lock events were not traced, so "findings: 0" says nothing ' +
  'about them. Trace a kernel built with CONFIG_LOCKDEP (CONFIG_PROVE_LOCKING; it has the lock_acquire/lock_release tracepoints; ' +
  'CONFIG_LOCK_STAT adds lock_contended/lock_acquired) with the lock events enabled: trace-cmd record -e lock, perf record -e \'lock:*\', ' +
  'or echo 1 > /sys/kernel/tracing/events/lock/enable';

export const WARNING_KINDS = [
  'unparsed-line',
  'unknown-event',
  'long-line',
  'other-instance',
  'out-of-order-timestamp',
  'unheld-release',
  'recovered-acquire',
  'stale-held-dropped',
  'out-of-order-release',
  'held-at-end',
  'lost-events',
  'truncated-record',
  'duplicate-acquire',
  'nmi-event',
  'no-flags-column',
  'hashed-pointer-unready',
  'held-at-context-exit',
  'subclass-overflow',
  'depth-limit',
  'cycle-limit',
  'stack-unpaired',
  'graph-cannot-report',
  'no-lock-events',
] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

/**
 * Normal for a capture, not damage: the kernel releases locks out of order
 * (lock_release() of a lock below the top of the held stack: rcu_read_lock,
 * &wb->list_lock, reacquire_held_locks() re-chains the rest), the window starts
 * with locks already held (their releases are unheld, their lock_contended /
 * lock_acquired come without a lock_acquire) and ends with locks held; events
 * of another buffer instance are skipped by the user's choice; NMI events are
 * skipped as lockdep skips them; perf script has no irq flags column; a
 * context acquiring an instance it holds is a recursive read or the
 * recursive-locking finding itself (check_deadlock()), which reports it; lost
 * releases behind it are warned as lost events.
 */
export const OBSERVATION_KINDS: ReadonlySet<WarningKind> = new Set<WarningKind>([
  'unheld-release',
  'recovered-acquire',
  'out-of-order-release',
  'held-at-end',
  'duplicate-acquire',
  'other-instance',
  'nmi-event',
  'no-flags-column',
]);

export const WARNING_TEXT: Record<WarningKind, string> = {
  'unparsed-line': 'lines that could not be parsed as a trace event',
  'unknown-event': 'events of a kind lockreplay does not replay (skipped)',
  'long-line': 'lines longer than the line limit (skipped)',
  'other-instance': 'events of another trace-cmd buffer instance (skipped; select with --instance)',
  'out-of-order-timestamp': 'events whose timestamp goes backwards on their CPU',
  'unheld-release': 'releases of a lock not held by the releasing context (held since before the capture, or released in another context)',
  'recovered-acquire': 'lock_contended/lock_acquired of a lock the context did not hold: its lock_acquire was lost, so it was pushed as held (uncertain)',
  'stale-held-dropped': 'an entry held across lost events was dropped: another acquisition of that very lock was seen to complete, so its release had been lost',
  'out-of-order-release': 'releases of a lock that was not the most recently acquired one (non-LIFO)',
  'held-at-end': 'locks still held when the capture ended',
  'lost-events': 'lost-event markers (held-lock state of the CPU\'s contexts became unknown)',
  'truncated-record': 'records cut off at the end of the input',
  'duplicate-acquire': 'acquires of a lock instance the context already holds',
  'nmi-event': 'events in NMI context (lockdep is off there; skipped)',
  'no-flags-column': 'events without an irq flags column (interrupt contexts cannot be told apart)',
  'hashed-pointer-unready': 'events with (____ptrval____) addresses (instances cannot be told apart)',
  'held-at-context-exit': 'locks left held when an interrupt context or work item ended (dropped)',
  'subclass-overflow': 'same-name nesting deeper than lockdep\'s 8 subclasses',
  'depth-limit': 'acquisitions past the replay\'s held-stack limit (chained to the deepest kept lock, not pushed; dependencies from them are lost)',
  'stack-unpaired': 'call stacks that could not be given to an event (no event of theirs waiting on their CPU, or user-space stacks)',
  'cycle-limit': 'closing dependencies whose search for their best-founded cycle stopped at its limit (a longer cycle through them may have a stronger verdict)',
  'no-lock-events': NO_LOCK_EVENTS,
  'graph-cannot-report': 'captures read from lockreplay/graph@1 files: they carry no irq-usage evidence and no recursions, so those finding kinds cannot come from them (replay the trace again to get a graph@2 file)',
};

export interface WarningLocation {
  input: number;
  /** Line number (text) or byte offset (binary). */
  pos: number;
  detail?: string;
}

export const FIRST_LOCATIONS = 5;

/** Counts and first locations of each warning kind. */
export class Warnings {
  readonly counts = new Map<WarningKind, number>();
  readonly first = new Map<WarningKind, WarningLocation[]>();

  add(kind: WarningKind, input: number, pos: number, detail?: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
    let l = this.first.get(kind);
    if (!l) this.first.set(kind, (l = []));
    if (l.length < FIRST_LOCATIONS) l.push(detail === undefined ? { input, pos } : { input, pos, detail });
  }

  /** Folds another set in (taken in input order, so first locations stay the first ones). */
  merge(o: SerializedWarnings): void {
    for (const [k, n] of o.counts) {
      this.counts.set(k, (this.counts.get(k) ?? 0) + n);
      let l = this.first.get(k);
      if (!l) this.first.set(k, (l = []));
      for (const loc of o.first.find(([kk]) => kk === k)?.[1] ?? []) if (l.length < FIRST_LOCATIONS) l.push(loc);
    }
  }

  serialize(): SerializedWarnings {
    return { counts: [...this.counts], first: [...this.first] };
  }

  /** Whether a location of this kind would still be kept (so a detail string is worth building). */
  keepsLocation(kind: WarningKind): boolean {
    return (this.first.get(kind)?.length ?? 0) < FIRST_LOCATIONS;
  }

  count(kind: WarningKind): number {
    return this.counts.get(kind) ?? 0;
  }
}

/** Plain-data form, to cross a thread boundary with a batch. */
export interface SerializedWarnings {
  counts: [WarningKind, number][];
  first: [WarningKind, WarningLocation[]][];
}
