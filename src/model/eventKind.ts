/**
 * Event kinds carried in a batch's `kind` column. One byte per event; the
 * decoders of every format map their events onto these.
 */
export enum EventKind {
  /** lock:lock_acquire — lockdep pushes the held lock here (before the lock is really taken). */
  Acquire = 0,
  /** lock:lock_release */
  Release = 1,
  /** lock:lock_contended (LOCK_STAT) — no dependency meaning, counted only. */
  Contended = 2,
  /** lock:lock_acquired (LOCK_STAT) — no dependency meaning, counted only. */
  Acquired = 3,
  /** workqueue:workqueue_queue_work — addr=work, name=function, aux=workqueue name */
  WqQueue = 4,
  /** workqueue:workqueue_activate_work — addr=work */
  WqActivate = 5,
  /** workqueue:workqueue_execute_start — addr=work, name=function */
  WqStart = 6,
  /** workqueue:workqueue_execute_end — addr=work, name=function */
  WqEnd = 7,
  /** trace_marker write — name=text */
  Marker = 8,
  /** `CPU:N [LOST M EVENTS]` and friends — cpu=N, aux=M (0 when unknown) */
  Lost = 9,
  /** `##### CPU N buffer started ####` — everything that CPU did before is gone. */
  BufferStarted = 10,
  /** An event named by a pseudo-lock rule (--rules) — name=event name, addr=body text */
  Custom = 11,
  /**
   * A kernel stack entry (ftrace `<stack trace>`, trace-cmd `kernel_stack`, a perf
   * callchain): cpu, pid, ts, irq, comm of the entry; lockFlags = StackFlags. Its
   * frames follow as StackFrame rows. Not an event: replay/stackPairing.ts gives the
   * stack to the event it was recorded for and the replay skips both kinds.
   */
  Stack = 12,
  /** One frame of the Stack row before it: name = the frame's text as the capture prints it. */
  StackFrame = 13,
  /** sched:sched_process_exit — aux=pid of the exiting task: its context ends (a later task may reuse the pid). */
  TaskExit = 14,
  /** sched:sched_process_fork — aux=child pid: a new task, whose pid may have been used before. */
  TaskFork = 15,
}

export const EVENT_KIND_NAMES = [
  'acquire', 'release', 'contended', 'acquired', 'wq-queue', 'wq-activate', 'wq-start', 'wq-end',
  'marker', 'lost', 'buffer-started', 'custom', 'stack', 'stack-frame', 'task-exit', 'task-fork',
] as const;

/** Bits of the `lockFlags` column of a Stack row. */
export enum StackFlags {
  /** `<user stack trace>` (ftrace userstacktrace): user-space frames, not paired with lock events. */
  User = 1,
  /** The stack of a skipped event (another trace-cmd instance): its frames are read and dropped. */
  Skipped = 2,
}

/** Bits of the `irq` column, from the ftrace flags column (trace_print_lat_fmt()). */
export enum IrqBits {
  /** pos3 h/H: lockdep_hardirq_context() */
  Hardirq = 1,
  /** pos3 s/H: in_serving_softirq() */
  Softirq = 2,
  /** pos3 Z/z: NMI — lockdep is off there (lockdep_off() in __nmi_enter()) */
  Nmi = 4,
  /** pos1 d/D: hardirqs disabled at the event */
  IrqsOff = 8,
  /** pos1 b/D: local_bh_disable() depth >= 1 */
  BhOff = 16,
  /** The line had no flags column: context cannot be told (degraded mode). */
  NoFlags = 32,
  /** The format cannot show BH state (trace-cmd -l, old kernels): softirq-enabled is unknown. */
  NoBhInfo = 64,
}

/**
 * Bits of the `lockFlags` column of a Lost event. trace.dat knows where a CPU's gap begins
 * (right after its last record before a page flagged RB_MISSED_EVENTS) as well as where it
 * ends; the text formats only show the end. The replayer makes held state uncertain at both
 * markers and counts the gap once, at its end.
 */
export enum LostFlags {
  /** The start of a gap whose end is a separate, counted Lost event. */
  GapStart = 1,
  /**
   * The loss is known to be of that CPU's ring buffer only (ftrace's per-CPU buffers: trace_pipe's
   * `CPU:N [LOST M EVENTS]`, trace-cmd's dropped events, trace.dat's flagged pages): the other CPUs'
   * events are all there. Unset (perf), the loss may be of any CPU.
   */
  CpuExact = 2,
}

/** Bits of the `lockFlags` column (TP_fast_assign of lock_acquire: try=1, read=2). */
export enum LockFlags {
  Try = 1,
  Read = 2,
  /**
   * Not from the tracepoint: the capture may lack this acquisition's release (perf.data, before
   * lock_release was turned on for its CPU), so the replay pushes it uncertain.
   */
  Uncertain = 4,
}
