/**
 * Gives each kernel stack (EventKind.Stack + its StackFrame rows) to the event
 * it was recorded for, on the main thread, in input order, before the batch is
 * replayed: the batch's `stack` column gets the stack ID of each event.
 *
 * The kernel writes a stack as a ring-buffer entry of its own right after its
 * event, on the same CPU (__ftrace_trace_stack() from trace_event_buffer_commit(),
 * the stacktrace trigger as a post-trigger after the event is committed). In
 * the merged output other CPUs' lines come in between, and an interrupt that
 * arrives between an event and its stack puts its own event and stack in
 * between (nested). So: per CPU, the latest event still without a stack gets
 * it. When the stack's top frames name its tracepoint
 * (`trace_event_raw_event_lock_acquire`), the latest event of that kind gets
 * it, and a stack naming a tracepoint the replay skips goes to no event (it
 * belongs to an event that was skipped).
 *
 * A stack may end in a later batch than its event (blocks are cut anywhere, an
 * event can be the last line of a block and its stack the first of the next):
 * events still waiting when their batch ends are marked LATE_STACK, the
 * replayer remembers what they produced (held entry, evidence), and the stack
 * is handed to it when it completes (Replayer.resolveLateStack). The pairing
 * starts at the first stack row of an input: a capture without stacks never
 * gets here (no cost).
 */
import { EventKind, StackFlags } from '../model/eventKind.ts';
import type { EventBatch } from '../model/batch.ts';
import { NO_STACK, type StackTable } from '../model/stackTable.ts';
import type { Warnings } from '../decode/warnings.ts';

/** EventBatch.stack value of an event whose stack may still come in a later batch. */
export const LATE_STACK = 0xffffffff;

/** Events kept waiting per CPU; nested interrupts are a few deep, older waiting events never got a stack. */
const DEPTH = 16;

/**
 * The event kinds a tracepoint handler records (a bit per EventKind). lock_release,
 * lock_contended and lock_acquired share one event class (`lock`,
 * include/trace/events/lock.h), so their handler is trace_event_raw_event_lock;
 * the lockdep function below it (lock_release(), ...) tells them apart.
 */
const KINDS_OF_HANDLER = new Map<string, number>([
  ['lock_acquire', 1 << EventKind.Acquire],
  ['lock', (1 << EventKind.Release) | (1 << EventKind.Contended) | (1 << EventKind.Acquired)],
  ['lock_release', 1 << EventKind.Release],
  ['lock_contended', 1 << EventKind.Contended],
  ['lock_acquired', 1 << EventKind.Acquired],
  ['workqueue_queue_work', 1 << EventKind.WqQueue],
  ['workqueue_activate_work', 1 << EventKind.WqActivate],
  ['workqueue_execute_start', 1 << EventKind.WqStart],
  ['workqueue_execute_end', 1 << EventKind.WqEnd],
]);
const KIND_OF_LOCKDEP_FUNC = new Map<string, number>([
  ['lock_acquire', EventKind.Acquire],
  ['lock_release', EventKind.Release],
  ['lock_contended', EventKind.Contended],
  ['lock_acquired', EventKind.Acquired],
]);
/** wantedKinds(): any event may take the stack (it names no tracepoint). */
const ANY = -1;

/** Receives the stacks of events replayed in an earlier batch (the replayer). */
export interface LateStacks {
  resolveLateStack(input: number, pos: number, stack: number): void;
}

export class StackPairing {
  /** Stack rows have been seen in the current input: every batch is scanned from here on. */
  active = false;
  private input = -1;
  private gen = 0;
  // Per CPU, up to DEPTH waiting events (bottom first): row in its batch, position, kind, batch generation.
  private n = new Int32Array(8);
  private row = new Int32Array(8 * DEPTH);
  private pos = new Float64Array(8 * DEPTH);
  private kind = new Uint8Array(8 * DEPTH);
  private rowGen = new Int32Array(8 * DEPTH);
  // The stack being read (its frames may go on in the next batch).
  private building = false;
  private buildCpu = 0;
  private buildUser = false;
  private buildSkipped = false;
  private buildPos = 0;
  private readonly wanted = new Map<number, number>();

  constructor(
    private readonly stacks: StackTable,
    private readonly late: LateStacks,
    private readonly warnings: Warnings,
  ) {}

  /** Pairs from the first event of `input` on (its head shows stacks). */
  start(input: number): void {
    if (this.input !== input) this.endInput();
    this.input = input;
    this.active = true;
  }

  /**
   * Fills b.stack (stack IDs, LATE_STACK for events whose stack may come later) before b is replayed.
   * Started by a batch's own stack rows, the pairing takes the events of that batch from its first
   * stack row on in text inputs (their batches depend on the chunk size; output must not), from its
   * first row in binary ones (trace.dat frames do not depend on it).
   */
  pair(b: EventBatch, lineInput: boolean): void {
    let from = 0;
    if (b.input !== this.input || !this.active) {
      this.start(b.input);
      if (lineInput) while (from < b.length && b.kind[from] !== EventKind.Stack) from++;
    }
    const gen = ++this.gen;
    const col = (b.stack ??= new Uint32Array(b.length));
    const kind = b.kind, cpu = b.cpu, name = b.name, st = this.stacks;
    for (let i = from; i < b.length; i++) {
      const k = kind[i];
      if (k === EventKind.StackFrame) {
        if (this.building) st.add(st.frameOf(name[i]));
        continue;
      }
      if (this.building) this.complete(col, gen);
      if (k === EventKind.Stack) {
        this.building = true;
        this.buildCpu = cpu[i];
        this.buildUser = (b.lockFlags[i] & StackFlags.User) !== 0;
        this.buildSkipped = (b.lockFlags[i] & StackFlags.Skipped) !== 0;
        this.buildPos = b.pos[i];
        st.begin();
      } else if (k !== EventKind.Lost && k !== EventKind.BufferStarted) {
        this.wait(cpu[i], i, b.pos[i], k, gen);
      }
    }
    // Events of this batch still waiting: their stacks may come in the next one.
    for (let c = 0; c < this.n.length; c++) {
      for (let j = c * DEPTH, end = j + this.n[c]; j < end; j++) if (this.rowGen[j] === gen) col[this.row[j]] = LATE_STACK;
    }
  }

  /** The end of the run (or of an input): a stack in progress is complete, waiting events get none. */
  endInput(): void {
    if (this.building) this.complete(undefined, -1);
    if (this.input < 0) return;
    for (let c = 0; c < this.n.length; c++) {
      for (let j = c * DEPTH, end = j + this.n[c]; j < end; j++) this.late.resolveLateStack(this.input, this.pos[j], NO_STACK);
      this.n[c] = 0;
    }
    this.active = false;
  }

  private wait(cpu: number, row: number, pos: number, kind: number, gen: number): void {
    if (cpu >= this.n.length) this.grow(cpu);
    let n = this.n[cpu];
    const base = cpu * DEPTH;
    if (n === DEPTH) {
      // The oldest waiting event never got its stack.
      if (this.rowGen[base] !== gen) this.late.resolveLateStack(this.input, this.pos[base], NO_STACK);
      this.row.copyWithin(base, base + 1, base + DEPTH);
      this.pos.copyWithin(base, base + 1, base + DEPTH);
      this.kind.copyWithin(base, base + 1, base + DEPTH);
      this.rowGen.copyWithin(base, base + 1, base + DEPTH);
      n--;
    }
    const j = base + n;
    this.row[j] = row;
    this.pos[j] = pos;
    this.kind[j] = kind;
    this.rowGen[j] = gen;
    this.n[cpu] = n + 1;
  }

  /** The stack just read goes to its event: `col` is the current batch's stack column (gen: its generation). */
  private complete(col: Uint32Array | undefined, gen: number): void {
    this.building = false;
    if (this.buildSkipped) {
      this.stacks.begin(); // another instance's stack (counted as 'other-instance'): dropped, not interned
      return;
    }
    const id = this.stacks.end();
    if (id === NO_STACK) return;
    if (this.buildUser) {
      this.warnings.add('stack-unpaired', this.input, this.buildPos, 'user-space stack (not replayed)');
      return;
    }
    const want = this.wantedKinds(id);
    if (want === 0) return; // the stack of an event the replay skips (counted with the other events)
    const cpu = this.buildCpu;
    const n = cpu < this.n.length ? this.n[cpu] : 0;
    const base = cpu * DEPTH;
    let j = base + n - 1;
    if (want !== ANY) while (j >= base && !(want & (1 << this.kind[j]))) j--;
    if (j < base) {
      const tp = this.stacks.tracepointOf(id);
      this.warnings.add('stack-unpaired', this.input, this.buildPos, tp ? `no ${tp} event waiting on CPU ${cpu}` : `no event waiting on CPU ${cpu}`);
      return;
    }
    if (col && this.rowGen[j] === gen) col[this.row[j]] = id;
    else this.late.resolveLateStack(this.input, this.pos[j], id);
    const end = base + n - 1;
    if (j < end) {
      this.row.copyWithin(j, j + 1, end + 1);
      this.pos.copyWithin(j, j + 1, end + 1);
      this.kind.copyWithin(j, j + 1, end + 1);
      this.rowGen.copyWithin(j, j + 1, end + 1);
    }
    this.n[cpu] = n - 1;
  }

  /** The event kinds stack `id` may belong to (bits), ANY, or 0 (a tracepoint the replay skips). */
  private wantedKinds(id: number): number {
    let want = this.wanted.get(id);
    if (want !== undefined) return want;
    const tp = this.stacks.tracepointOf(id);
    want = tp === undefined ? ANY : (KINDS_OF_HANDLER.get(tp) ?? 0);
    if (want !== 0) {
      const ids = this.stacks.framesOf(id);
      for (let k = 0; k < ids.length && k < 4; k++) {
        const kind = KIND_OF_LOCKDEP_FUNC.get(this.stacks.frame(ids[k]).func ?? '');
        if (kind !== undefined) {
          want = 1 << kind;
          break;
        }
      }
    }
    this.wanted.set(id, want);
    return want;
  }

  private grow(cpu: number): void {
    let c = this.n.length;
    while (c <= cpu) c *= 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.n = g(this.n, new Int32Array(c));
    this.row = g(this.row, new Int32Array(c * DEPTH));
    this.pos = g(this.pos, new Float64Array(c * DEPTH));
    this.kind = g(this.kind, new Uint8Array(c * DEPTH));
    this.rowGen = g(this.rowGen, new Int32Array(c * DEPTH));
  }
}
