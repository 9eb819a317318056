/**
 * A call stack as lockdep prints it in a splat (print_lock_trace(),
 * stack_trace_print(): one `%pS` frame a line, innermost first), from the
 * run's stack table: the tracing frames at the top (the tracepoint handler,
 * lock_acquire() that fired it) are dropped, so the first frame is the lock
 * API the code called (`__mutex_lock+0x8d/0x393`), as in lockdep's
 * `-> #N (class):` entries below its own `lock_acquire`.
 */
import type { StackTable } from '../model/stackTable.ts';
import { formatStackFrame, isTracingFrame } from '../model/stackFrame.ts';
import { LATE_STACK } from '../replay/stackPairing.ts';
import { MAX_STACK_FRAMES } from '../graph/evidence.ts';


/** The frames of stack `id` as lockdep prints them, or undefined (no stack, or only tracing frames). */
export function stackOut(table: StackTable, id: number | undefined): string[] | undefined {
  if (!id || id === LATE_STACK) return undefined;
  const ids = table.framesOf(id);
  let k = 0;
  while (k < ids.length && isTracingFrame(table.frame(ids[k]))) k++;
  if (k === ids.length) return undefined;
  const out: string[] = [];
  const end = Math.min(ids.length, k + MAX_STACK_FRAMES);
  for (let j = k; j < end; j++) out.push(formatStackFrame(table.frame(ids[j])));
  if (ids.length > end) out.push(`… ${ids.length - end} more frames`);
  return out;
}
