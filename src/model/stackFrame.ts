/**
 * One kernel stack frame, read from the text a capture prints for it. Every
 * form is accepted, so frames of one function compare equal across forms:
 *   ftrace `=> func+0xoff/0xsize [module]`, `=> 0xffffffffa00093d1` (unresolved)
 *   trace-cmd report `=> func (ffffffff8107b726)`, `=> ffffffffa00093d1`
 *   perf script `ffffffff8108177f func+0x71 ([kernel.kallsyms])`, `... [unknown] ([unknown])`
 *   trace.dat kernel_stack and perf.data callchains (decode/tracedat/frameTexts.ts) `func+0xoff/0xsize [module]` from the kallsyms
 * Parsed once per distinct text (model/stackTable.ts), never per event.
 */
export interface StackFrame {
  /** Function name; absent when the address did not resolve. */
  func?: string;
  /** Offset into the function and the function's size, when the capture printed them. */
  off?: number;
  size?: number;
  /** Module name (`[lrtest]`); absent for the core kernel. */
  module?: string;
  /** The address, lower-case hex without 0x, when the capture printed it. */
  addr?: string;
}

const PERF = /^([0-9a-f]+) (.+?)(?: \(([^()]*)\))?$/;
const SYM = /^([A-Za-z0-9_.$@]+)(?:\+0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?)?(?: \[([^\]]+)\])?$/;
const TC = /^([A-Za-z0-9_.$@]+) \(([0-9a-f]+)\)$/;
const ADDR = /^(?:0x)?([0-9a-f]{6,16})$/;

/** Parses a frame's text (any of the forms above). Unknown shapes keep the text as the function name. */
export function parseStackFrame(text: string): StackFrame {
  const t = text.trim();
  let m = ADDR.exec(t);
  if (m) return { addr: m[1] };
  m = TC.exec(t);
  if (m) return { func: m[1], addr: m[2] };
  m = PERF.exec(t);
  if (m && m[1].length >= 6) {
    const sym = m[2];
    // perf's dso: "[kernel.kallsyms]", "[lrtest]" (a module), "[unknown]", or a user-space path
    const dso = m[3]?.replace(/^\[|\]$/g, '');
    const module = dso && dso !== 'kernel.kallsyms' && dso !== 'unknown' && !dso.startsWith('/') ? dso : undefined;
    if (sym === '[unknown]') return { addr: m[1] };
    const f = symbolFrame(sym) ?? { func: sym };
    f.addr = m[1];
    if (module && !f.module) f.module = module;
    return f;
  }
  return symbolFrame(t) ?? { func: t };
}

function symbolFrame(t: string): StackFrame | undefined {
  const m = SYM.exec(t);
  if (!m) return undefined;
  const f: StackFrame = { func: m[1] };
  if (m[2] !== undefined) f.off = parseInt(m[2], 16);
  if (m[3] !== undefined) f.size = parseInt(m[3], 16);
  if (m[4] !== undefined) f.module = m[4];
  return f;
}

/** As lockdep's splat prints a frame (%pS): `func+0xoff/0xsize [module]`, with what the capture had. */
export function formatStackFrame(f: StackFrame): string {
  if (f.func === undefined) return `0x${f.addr ?? '?'}`;
  let s = f.func;
  if (f.off !== undefined) s += `+0x${f.off.toString(16)}${f.size !== undefined ? `/0x${f.size.toString(16)}` : ''}`;
  if (f.module) s += ` [${f.module}]`;
  return s;
}

/**
 * Frames of the tracing machinery itself, above the code that took the lock:
 * the tracepoint handlers (`trace_event_raw_event_lock_acquire`,
 * `perf_trace_lock_acquire`), the stack-trace trigger, and lockdep's
 * `lock_acquire`/`lock_release` which fire the lock tracepoints. lockdep's
 * own splat starts below its validation (`__lock_acquire`, `lock_acquire`),
 * so these are dropped when a stack is printed the way lockdep prints it.
 */
const TRACING = /^(?:trace_event_raw_event_|perf_trace_|trace_event_buffer_|event_triggers_|stacktrace_trigger|__trace_stack|ftrace_|trace_buffer_|__lock_acquire$|lock_acquire$|lock_release$|lock_contended$|lock_acquired$|__lock_release$)/;

export function isTracingFrame(f: StackFrame): boolean {
  return f.func !== undefined && TRACING.test(f.func);
}

/** The tracepoint a stack's top frames name (`trace_event_raw_event_X` / `perf_trace_X`), or undefined. */
export function tracepointOfFrame(f: StackFrame): string | undefined {
  const fn = f.func;
  if (fn === undefined) return undefined;
  if (fn.startsWith('trace_event_raw_event_')) return fn.slice('trace_event_raw_event_'.length);
  if (fn.startsWith('perf_trace_')) return fn.slice('perf_trace_'.length);
  return undefined;
}
