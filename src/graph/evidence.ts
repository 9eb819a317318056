/** Where a dependency (or a usage, or a recursion) was seen: enough to find the line and the moment. */
export interface Evidence {
  /** Index of the input in the run's input list. */
  input: number;
  /** Line number (text) or byte offset (binary). */
  pos: number;
  /**
   * The event's ordinal in its capture's replay (1-based): the recording
   * order, which byte offsets do not give (a trace.dat's per-CPU streams are
   * merged by time). Absent in graphs written before it was kept.
   */
  seq?: number;
  tsNs: number;
  cpu: number;
  pid: number;
  /** Global string ID of the comm. */
  comm: number;
  /** Execution context ID. */
  ctx: number;
  /**
   * Classes held at that moment, bottom to top (before the new acquisition):
   * at most EVIDENCE_HELD of them, the innermost.
   */
  held: number[];
  /** Outer held entries left out of `held` (absent when none were). */
  heldOmitted?: number;
  /** Recorded while held-lock state was uncertain (lost events, before every CPU's buffer started). */
  uncertain: boolean;
  /** The event had no irq flags column: its context may be an interrupt counted on a task. */
  noContext?: boolean;
  /** The dependency was inferred, not seen being recorded (replay/lostAcquisitions.ts): how. */
  inferred?: string;
  /** Call stack of this event (the acquisition that recorded the dependency): Replayer.stacks ID. */
  stack?: number;
  /** Call stack of the held lock's own acquisition (the dependency's `prev`), when known. */
  heldStack?: number;
  /** An uncertain observation: the held entry it rests on (class, where it was acquired) and why it is uncertain. */
  restsOn?: { cls: number; input: number; pos: number; why: UncertainWhy };
  /** Uncertain when recorded, proven by this later release of the held entry it rests on (replay/pendingProofs). */
  provenBy?: { input: number; pos: number };
}

/** Why a held entry was uncertain: held across lost events, acquisition recovered, class chosen from uncertain entries. */
export type UncertainWhy = 'lost' | 'recovered' | 'class';

/**
 * Most held entries one evidence record keeps: lockdep's MAX_LOCK_DEPTH
 * (include/linux/sched.h), the size of current->held_locks[]. A real lockdep
 * never holds more: __lock_acquire() turns itself off ("BUG: MAX_LOCK_DEPTH too
 * low!", debug_locks_off()) once lockdep_depth reaches it, and its splats
 * (lockdep_print_held_locks()) never list more. The replay's own stacks go
 * deeper (ReplayOptions.maxDepth), so every dependency would otherwise copy the
 * whole stack and a context nesting N locks would cost N² memory; past this
 * many, the innermost entries are kept (the ones next to the acquisition) and
 * the outer ones are counted (`heldOmitted`, "… N more held" in the reports).
 */
export const EVIDENCE_HELD = 48;

/** The first held entry an evidence record of a stack `depth` deep keeps (the entries below it are counted, not kept). */
export function heldFrom(depth: number): number {
  return depth > EVIDENCE_HELD ? depth - EVIDENCE_HELD : 0;
}

/** Frames an evidence record keeps per call stack (analysis/stackOut.ts); deeper stacks end in a "… N more frames" line. */
export const MAX_STACK_FRAMES = 64;
