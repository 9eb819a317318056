/**
 * Parsers for the printed bodies of lock:* and workqueue:* events, shared by
 * every text format (ftrace, trace-cmd report, perf script). They key on field
 * names, not positions, and accept both the old (%p / %u) and current (%s / %d)
 * workqueue forms (kernel-semantics §1.2).
 */
import { EventKind, LockFlags, StackFlags } from '../model/eventKind.ts';
import type { BatchBuilder } from '../model/batch.ts';
import type { ByteInterner } from '../model/byteInterner.ts';
import { SP, ascii, indexOf, lastIndexOf, parseInt10, skipSpaces, startsWith, tokenEnd, trimEnd } from './ftrace/bytes.ts';

const TRY = ascii('try '), READ = ascii('read ');
const WORK_STRUCT_EQ = ascii('work struct='), WORK_STRUCT_SP = ascii('work struct ');
const FUNCTION_EQ = ascii(' function='), WORKQUEUE_EQ = ascii(' workqueue='), REQ_CPU = ascii(' req_cpu='), CPU_EQ = ascii(' cpu=');
const COLON_FUNCTION = ascii(': function ');
const PID_EQ = ascii('pid='), CHILD_PID_EQ = ascii('child_pid=');

/** The number after `field` ("pid=" at the start or after a blank), or -1. */
function fieldNumber(b: Uint8Array, s: number, e: number, field: Uint8Array): number {
  for (let k = indexOf(b, s, e, field); k >= 0; k = indexOf(b, k + 1, e, field)) {
    if (k !== s && b[k - 1] !== SP) continue;
    const v = parseInt10(b, k + field.length, tokenEnd(b, k + field.length, e));
    if (v >= 0) return v;
  }
  return -1;
}

/** Event names this replay understands, as they appear after the timestamp. */
export const EVENT_NAMES: [Uint8Array, number][] = [
  [ascii('lock_acquire'), EventKind.Acquire],
  [ascii('lock_release'), EventKind.Release],
  [ascii('lock_contended'), EventKind.Contended],
  [ascii('lock_acquired'), EventKind.Acquired],
  [ascii('workqueue_queue_work'), EventKind.WqQueue],
  [ascii('workqueue_activate_work'), EventKind.WqActivate],
  [ascii('workqueue_execute_start'), EventKind.WqStart],
  [ascii('workqueue_execute_end'), EventKind.WqEnd],
  [ascii('tracing_mark_write'), EventKind.Marker],
  // trace-cmd report's names for ftrace's stack entries (ftrace:kernel_stack, ftrace:user_stack)
  [ascii('kernel_stack'), EventKind.Stack],
  [ascii('user_stack'), EventKind.Stack],
  [ascii('sched_process_exit'), EventKind.TaskExit],
  [ascii('sched_process_fork'), EventKind.TaskFork],
];

/** Maps an event name [s, e) to an EventKind, -1 if it is not one we replay. */
export function eventKindOf(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  // Cheap rejection: every name we know starts with l, w, t, k, u or s (and is at least 10 long).
  const c = b[s];
  if ((c !== 0x6c && c !== 0x77 && c !== 0x74 && c !== 0x6b && c !== 0x75 && c !== 0x73) || n < 10) return -1;
  for (const [lit, kind] of EVENT_NAMES) {
    if (lit.length === n && startsWith(b, s, e, lit)) return kind;
  }
  return -1;
}

/**
 * Fills slot i of the builder from the body [s, e) of an event of the given
 * kind. Returns false if the body is malformed (the caller counts the line).
 */
export function parseBody(kind: number, b: Uint8Array, s: number, e: number, out: BatchBuilder, i: number, strings: ByteInterner): boolean {
  s = skipSpaces(b, s, e);
  e = trimEnd(b, s, e);
  switch (kind) {
    case EventKind.Acquire:
    case EventKind.Release:
    case EventKind.Contended:
    case EventKind.Acquired: {
      const ae = tokenEnd(b, s, e);
      if (ae === s || ae >= e) return false;
      out.addr[i] = strings.intern(b, s, ae);
      let p = ae + 1;
      let flags = 0;
      if (kind === EventKind.Acquire) {
        if (startsWith(b, p, e, TRY)) {
          flags |= LockFlags.Try;
          p += TRY.length;
        }
        if (startsWith(b, p, e, READ)) {
          flags |= LockFlags.Read;
          p += READ.length;
        }
      }
      if (p >= e) return false;
      out.lockFlags[i] = flags;
      out.name[i] = strings.intern(b, p, e);
      return true;
    }
    case EventKind.WqQueue: {
      // work struct=%p function=%ps workqueue=%s|%p req_cpu=%d|%u cpu=%d|%u
      if (!startsWith(b, s, e, WORK_STRUCT_EQ)) return false;
      const ws = s + WORK_STRUCT_EQ.length;
      const fnAt = indexOf(b, ws, e, FUNCTION_EQ);
      const wqAt = fnAt < 0 ? -1 : indexOf(b, fnAt, e, WORKQUEUE_EQ);
      const rqAt = wqAt < 0 ? -1 : lastIndexOf(b, wqAt, e, REQ_CPU);
      if (rqAt < 0) return false;
      out.addr[i] = strings.intern(b, ws, fnAt);
      out.name[i] = strings.intern(b, fnAt + FUNCTION_EQ.length, wqAt);
      out.aux[i] = strings.intern(b, wqAt + WORKQUEUE_EQ.length, rqAt);
      const cpuAt = lastIndexOf(b, rqAt, e, CPU_EQ);
      if (cpuAt < 0 || Number.isNaN(parseInt10(b, cpuAt + CPU_EQ.length, e))) return false;
      return true;
    }
    case EventKind.WqActivate: {
      // 6.1: "work struct %p"; 6.12: "work struct %p function=%ps "
      if (!startsWith(b, s, e, WORK_STRUCT_SP)) return false;
      const ws = s + WORK_STRUCT_SP.length;
      const we = tokenEnd(b, ws, e);
      if (we === ws) return false;
      out.addr[i] = strings.intern(b, ws, we);
      const fnAt = indexOf(b, we, e, FUNCTION_EQ);
      if (fnAt >= 0) out.name[i] = strings.intern(b, fnAt + FUNCTION_EQ.length, tokenEnd(b, fnAt + FUNCTION_EQ.length, e));
      return true;
    }
    case EventKind.WqStart:
    case EventKind.WqEnd: {
      // "work struct %p: function %ps"
      if (!startsWith(b, s, e, WORK_STRUCT_SP)) return false;
      const ws = s + WORK_STRUCT_SP.length;
      const fnAt = indexOf(b, ws, e, COLON_FUNCTION);
      if (fnAt < 0 || fnAt === ws) return false;
      out.addr[i] = strings.intern(b, ws, fnAt);
      out.name[i] = strings.intern(b, fnAt + COLON_FUNCTION.length, e);
      return true;
    }
    case EventKind.Marker: {
      out.name[i] = strings.intern(b, s, e);
      return true;
    }
    case EventKind.Stack: {
      // "<stack trace >" / "<user stack trace >"; the frames follow as lines of their own
      if (b[s + 1] === 0x75) out.lockFlags[i] = StackFlags.User;
      out.stackRows++;
      return true;
    }
    case EventKind.TaskExit:
    case EventKind.TaskFork: {
      // "comm=%s pid=%d prio=%d" / "comm=%s pid=%d child_comm=%s child_pid=%d"
      const pid = fieldNumber(b, s, e, kind === EventKind.TaskExit ? PID_EQ : CHILD_PID_EQ);
      if (pid < 0) return false;
      out.aux[i] = pid;
      return true;
    }
  }
  return false;
}

export { SP };
