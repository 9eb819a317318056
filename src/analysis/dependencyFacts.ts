/**
 * Small facts about recorded dependencies that both the cycle verdicts
 * (verdicts.ts) and the kernel-graph rule (kernelGraphRule.ts) use: kept
 * below both so neither imports the other.
 */
import type { Replayer } from '../replay/replayer.ts';

/** "A -> B, C -> D" for a list of dependency IDs. */
export function dependencyNames(r: Replayer, edges: number[]): string {
  return edges.map((e) => `${r.classes.displayName(r.graph.from[e])} -> ${r.classes.displayName(r.graph.to[e])}`).join(', ');
}

/**
 * A dependency recorded without irq flags (perf script, `trace-cmd report`
 * without -l) may join an interrupt's lock to the interrupted task's, unless
 * its new lock is a sleeping lock (held across a context switch somewhere in
 * the capture: replay/replayer noteCpuSwitch), which no interrupt takes.
 */
export function mayJoinInterrupt(r: Replayer, e: number): boolean {
  return !!r.graph.first[e].noContext && !r.classes.heldAcrossSwitch[r.graph.to[e]];
}
