/**
 * Stage "replay": one pass over the events in input order, reconstructing what
 * lockdep knows: held locks per execution context, the class dependency graph
 * (via analysis/lockClasses and graph/dependencyGraph), irq usage, workqueue
 * executions and recursion candidates. Small handlers with clear state, in the
 * style of a trace engine: one method per event kind.
 */
import { EventKind, IrqBits, LockFlags, LostFlags } from '../model/eventKind.ts';
import type { EventBatch } from '../model/batch.ts';
import type { GlobalStrings } from '../model/globalStrings.ts';
import { Warnings } from '../decode/warnings.ts';
import { LockClasses, MAX_SUBCLASSES, type WorkqueueModel } from '../analysis/lockClasses.ts';
import { IrqUsage, Usage } from '../analysis/irqUsage.ts';
import { WorkqueueTracker } from '../analysis/workqueues.ts';
import { CapacityTracker } from '../analysis/capacity.ts';
import { DependencyGraph, NEEDS_EVIDENCE, NEEDS_GATES } from '../graph/dependencyGraph.ts';
import { heldFrom, type Evidence } from '../graph/evidence.ts';
import { ContextKind, Contexts } from './contexts.ts';
import { HeldFlags, NO_PENDING, type HeldStack } from './heldStack.ts';
import { HeldSnapshots } from './heldSnapshots.ts';
import { RawRead, comboOf } from './readKinds.ts';
import { ChainCache, chainKeyHi, chainKeyLo } from './chainCache.ts';
import type { Rules } from '../analysis/rules.ts';
import type { KernelGraph } from '../decode/lockdep/kernelGraph.ts';
import { PseudoAction, PseudoLocks } from './pseudoLocks.ts';
import { LostAcquisitions, releaseOrderInference } from './lostAcquisitions.ts';
import { StackTable } from '../model/stackTable.ts';
import { LATE_STACK, StackPairing, type LateStacks } from './stackPairing.ts';
import { PendingProofs } from './pendingProofs.ts';

export interface ReplayOptions {
  wqModel: WorkqueueModel;
  /**
   * Deepest held stack kept per context. Lockdep's own limit is MAX_LOCK_DEPTH
   * (48), after which it turns itself off (reported by analysis/capacity); the
   * replay goes on past it, up to this many, and counts the rest ('depth-limit').
   */
  maxDepth: number;
  /** The user's rules file (--rules): class rules and pseudo-locks apply here, suppressions at the end. */
  rules?: Rules;
  /** The traced boot's /proc/lockdep (--lockdep): a check on the verdicts (analysis/kernelGraphRule), not on the replay. */
  kernelGraph?: KernelGraph;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = {
  wqModel: 'dynamic',
  maxDepth: 4096,
};

/** A same-class re-acquisition (check_deadlock()), judged at the end with the whole capture's read kinds. */
export interface RecursionCandidate {
  cls: number;
  prevRaw: number;
  nextRaw: number;
  /** The held entry was uncertain, or the acquisition crossed into an interrupted context. */
  uncertain: boolean;
  /** The held entry was later shown released unseen: the first acquisition was not held (dropStaleHolders()). */
  refuted?: boolean;
  crossContext: boolean;
  prev: Evidence;
  next: Evidence;
}

export interface ReplayCounters {
  events: number;
  acquires: number;
  releases: number;
  contended: number;
  acquired: number;
  workqueueEvents: number;
  markers: number;
  lostEvents: number;
  lostMarkers: number;
  unheldReleases: number;
  nmiEvents: number;
  chainLookups: number;
  chainHits: number;
}

const INTERRUPT = IrqBits.Hardirq | IrqBits.Softirq;
const PTRVAL = '(____ptrval____)';
/** Chain cache record codes: a clean dependency, or one provable by the release of held entry (code - PROVABLE_AT). */
const CLEAN = 1;
const PROVABLE_AT = 2;
const ENABLED_ALL = Usage.EnabledHardirq | Usage.EnabledSoftirq;
/** ENABLED_x -> ENABLED_x_READ (the bit above it). */
const readVariant = (m: number) => ((m & Usage.EnabledHardirq) << 1) | ((m & Usage.EnabledSoftirq) << 1);

/** What an event replayed before its stack arrived left behind, to be given the stack later. */
interface LateWaiter {
  /** Context whose held entry (at the event's position) waits, -1: none. */
  ctx: number;
  /** Evidence records waiting: field 0 = stack, 1 = heldStack. */
  evs: Evidence[];
  fields: number[];
}

export class Replayer implements LateStacks {
  readonly classes: LockClasses;
  readonly contexts = new Contexts();
  readonly graph: DependencyGraph;
  readonly usage = new IrqUsage();
  readonly workqueues: WorkqueueTracker;
  readonly capacity = new CapacityTracker();
  readonly warnings = new Warnings();
  readonly recursions: RecursionCandidate[] = [];
  /** Shared workqueue model: the map instances each dependency into a `(wq_completion)` class was recorded on. */
  readonly wqEdgeInstances = new Map<number, Set<number>>();
  private readonly recursionKeys = new Set<number>();
  readonly chainCache = new ChainCache();
  private readonly snapshots = new HeldSnapshots();
  /** Acquisitions whose lock_acquire was lost: recovered and inferred ones. */
  readonly lost = new LostAcquisitions();
  /** Dependencies waiting for the release of the uncertain held entry they rest on (proof by later release). */
  readonly proofs = new PendingProofs();
  /** Pseudo-lock rules (--rules), or undefined. */
  readonly pseudo: PseudoLocks | undefined;
  /** Call stacks of the run (frames and stacks interned), referred to by Evidence.stack / heldStack. */
  readonly stacks: StackTable;
  private readonly pairing: StackPairing;
  /** Events whose stack may still come, by position (replay/stackPairing.ts). */
  private readonly lateWaiters = new Map<number, LateWaiter>();
  private lineInput = true;
  readonly counters: ReplayCounters = {
    events: 0, acquires: 0, releases: 0, contended: 0, acquired: 0, workqueueEvents: 0, markers: 0,
    lostEvents: 0, lostMarkers: 0, unheldReleases: 0, nmiEvents: 0, chainLookups: 0, chainHits: 0,
  };
  /** Buffer-started markers seen: before the last one, held state is unknown. */
  bufferStarts = 0;
  /**
   * Set while replaying an input whose per-CPU streams start without a marker
   * (trace-cmd report text): the CPUs seen so far, so each later CPU's first
   * event gets the buffer start trace.dat's streams get (decode/tracedat/cpuMerge).
   */
  private streamsSeen: Uint8Array | null = null;
  private anyStream = false;
  private lastTs = new Float64Array(64).fill(-1);
  /** Context of each CPU's latest event without irq flags (-1: none yet). */
  private onCpu = new Int32Array(64).fill(-1);
  /** Per context: when it was last seen switched out or migrated (ns; events without irq flags only). */
  private readonly switchedAt: number[] = [];
  private hardCtx = new Int32Array(64).fill(-1);
  private softCtx = new Int32Array(64).fill(-1);
  /** The batch and row being replayed (for evidence, built lazily). */
  private b!: EventBatch;
  private row = 0;
  private ctx = 0;

  constructor(
    readonly strings: GlobalStrings,
    readonly opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
  ) {
    this.classes = new LockClasses(strings, opts.wqModel, opts.rules);
    if (opts.rules?.pseudoLocks.length) this.pseudo = new PseudoLocks(opts.rules, strings);
    this.workqueues = new WorkqueueTracker(strings);
    this.graph = new DependencyGraph();
    this.stacks = new StackTable(strings);
    this.pairing = new StackPairing(this.stacks, this, this.warnings);
  }

  /**
   * Input `input` begins: `lineNumbered` (text: its batches depend on the chunk size), whether it
   * records call stacks from its start (decode/stacksInHead.ts), so they are paired from its first event on,
   * and whether its per-CPU streams were merged by time with no marker where each starts
   * (trace-cmd report text): then every CPU's first event but the input's first is a buffer start,
   * as for trace.dat (decode/tracedat/cpuMerge, the kernel's test_cpu_buff_start()): that CPU's earlier
   * events may have been overwritten, and with them releases of locks held elsewhere.
   */
  beginInput(input: number, lineNumbered: boolean, stacksFromStart: boolean, perCpuStreams: boolean): void {
    this.lineInput = lineNumbered;
    this.streamsSeen = perCpuStreams ? new Uint8Array(64) : null;
    this.anyStream = false;
    if (this.pairing.active) this.pairing.endInput();
    if (stacksFromStart) this.pairing.start(input);
  }

  /** Replays one batch whose string columns are already global IDs. */
  replay(b: EventBatch): void {
    this.b = b;
    if (b.stackRows || this.pairing.active) this.pairing.pair(b, this.lineInput);
    const kind = b.kind;
    for (let i = 0; i < b.length; i++) {
      this.row = i;
      const k = kind[i];
      if (this.streamsSeen !== null) this.checkStreamStart(b.cpu[i]);
      // Loss and buffer-start markers are not events of the traced kernel; stack rows (EventKind.Stack,
      // StackFrame) belong to the event they were recorded for. The count is each event's ordinal (Evidence.seq).
      if (k < EventKind.Lost || k === EventKind.Custom) this.counters.events++;
      switch (k) {
        case EventKind.Acquire: this.onAcquire(); break;
        case EventKind.Release: this.onRelease(); break;
        case EventKind.Contended: this.counters.contended++; this.onContention(); break;
        case EventKind.Acquired: this.counters.acquired++; this.onContention(); break;
        case EventKind.WqQueue:
        case EventKind.WqActivate:
        case EventKind.WqEnd: this.onWorkqueue(); break;
        case EventKind.WqStart: this.onWorkStart(); break;
        case EventKind.Marker:
          this.counters.markers++;
          if (this.pseudo) this.onPseudo(this.pseudo.markerEvent, b.name[i]);
          break;
        case EventKind.Custom: if (this.pseudo) this.onPseudo(b.name[i], b.addr[i]); break;
        case EventKind.Lost: this.onLost(); break;
        case EventKind.BufferStarted: this.onBufferStarted(); break;
        case EventKind.TaskExit: this.onTaskEnd(b.aux[i], 'exited'); break;
        case EventKind.TaskFork: this.onTaskEnd(b.aux[i], 'was reused by a fork (its exit was not seen)'); break;
      }
    }
  }

  private checkStreamStart(cpu: number): void {
    let seen = this.streamsSeen!;
    if (cpu >= seen.length) {
      const grown = new Uint8Array(Math.max(cpu + 1, seen.length * 2));
      grown.set(seen);
      this.streamsSeen = seen = grown;
    }
    if (seen[cpu]) return;
    seen[cpu] = 1;
    if (this.anyStream) this.onBufferStarted();
    this.anyStream = true;
  }

  // ---------------------------------------------------------------- contexts

  /**
   * The execution context of the current event, from its flags (never from the
   * pid alone: an interrupt runs on the interrupted task's pid, trap 2), and the
   * irq-exit check: when a CPU is back in task context its interrupt frames
   * must be empty (a leftover means a lost release; it is dropped and counted).
   */
  private contextOfEvent(): number {
    const b = this.b, i = this.row;
    const cpu = b.cpu[i], pid = b.pid[i], irq = b.irq[i];
    this.checkTimestamp(cpu, b.tsNs[i]);
    let ctx: number;
    if (irq & IrqBits.NoFlags) {
      ctx = pid === 0 ? this.contexts.id(ContextKind.Idle, cpu) : this.contexts.id(ContextKind.Task, pid);
      if (this.streamsSeen !== null) this.noteCpuSwitch(cpu, ctx, b.tsNs[i]);
    } else if (irq & IrqBits.Hardirq) {
      if (!(irq & IrqBits.Softirq)) this.leaveFrame(this.softCtx, cpu);
      ctx = this.frame(this.hardCtx, cpu, ContextKind.Hardirq);
    } else if (irq & IrqBits.Softirq) {
      this.leaveFrame(this.hardCtx, cpu);
      ctx = this.frame(this.softCtx, cpu, ContextKind.Softirq);
    } else {
      this.leaveFrame(this.hardCtx, cpu);
      this.leaveFrame(this.softCtx, cpu);
      ctx = pid === 0 ? this.contexts.id(ContextKind.Idle, cpu) : this.contexts.id(ContextKind.Task, pid);
    }
    this.contexts.lastCpu[ctx] = cpu;
    this.contexts.lastComm[ctx] = b.comm[i];
    return ctx;
  }

  /**
   * Without irq flags an interrupt's events carry the interrupted task's pid,
   * so a lock taken in an interrupt looks taken by the task (trap 2). A lock
   * held while its holder was switched out (another context's event on its
   * CPU) or migrated (its next event on another CPU), and then released by
   * it, was held in task context by a task that slept or was preempted: a
   * spinlock holder can be neither (spin_lock() disables preemption; on
   * PREEMPT_RT, where spinlocks sleep, interrupt handlers are threads), so
   * the class is a sleeping lock (mutex_lock() and friends: might_sleep())
   * and is never acquired in interrupt context. analysis/verdicts uses it to
   * tell which dependencies recorded without flags cannot join an
   * interrupt's lock to the task's. Only a hold seen released counts: an
   * entry whose release was lost unseen would look held across anything.
   * So it is done only on inputs whose losses are all marked and whose
   * per-CPU streams are complete between markers (trace-cmd report text, see
   * beginInput()); not on perf script, whose losses are silent without
   * --show-lost-events (on the shared perf captures it proved spinlocks
   * "sleeping" from stale entries).
   */
  private noteCpuSwitch(cpu: number, ctx: number, ts: number): void {
    if (cpu >= this.onCpu.length) this.growCpuTables(cpu);
    const prev = this.onCpu[cpu], sw = this.switchedAt;
    while (sw.length < this.contexts.count) sw.push(-1);
    if (prev !== ctx) {
      // The previous context left this CPU (only if it was last seen here: it may run elsewhere now).
      if (prev >= 0 && this.contexts.lastCpu[prev] === cpu) sw[prev] = ts;
      this.onCpu[cpu] = ctx;
    }
    const last = this.contexts.lastCpu[ctx];
    if (last >= 0 && last !== cpu) sw[ctx] = ts;
  }

  /** At the release of held entry k of `ctx` (events without irq flags): was it held across a switch? */
  private checkHeldAcrossSwitch(ctx: number, st: HeldStack, k: number): void {
    const at = this.switchedAt[ctx];
    if (at !== undefined && at > st.ts[k] && !(st.flags[k] & (HeldFlags.Uncertain | HeldFlags.Unvalidated | HeldFlags.Recovered))) {
      this.classes.heldAcrossSwitch[st.cls[k]] = true;
    }
  }

  private frame(table: Int32Array, cpu: number, kind: ContextKind): number {
    if (cpu >= table.length) this.growCpuTables(cpu);
    const t = kind === ContextKind.Hardirq ? this.hardCtx : this.softCtx;
    let id = t[cpu];
    if (id < 0) id = t[cpu] = this.contexts.id(kind, cpu);
    return id;
  }

  private leaveFrame(table: Int32Array, cpu: number): void {
    if (cpu >= table.length) return;
    const id = table[cpu];
    if (id < 0) return;
    const st = this.contexts.stacks[id];
    if (st.depth > 0 || st.overflow > 0) {
      const n = st.depth + st.overflow;
      this.warnings.add('held-at-context-exit', this.b.input, this.b.pos[this.row], `${n} lock(s) left held in ${this.contexts.describe(id)}`, n);
      this.refutePending(st, st.depth);
      st.depth = 0;
      st.overflow = 0;
    }
  }

  private growCpuTables(cpu: number): void {
    let n = this.hardCtx.length;
    while (n <= cpu) n *= 2;
    const hard = new Int32Array(n).fill(-1), soft = new Int32Array(n).fill(-1), ts = new Float64Array(n).fill(-1);
    const on = new Int32Array(n).fill(-1);
    hard.set(this.hardCtx);
    soft.set(this.softCtx);
    ts.set(this.lastTs);
    on.set(this.onCpu);
    this.hardCtx = hard;
    this.softCtx = soft;
    this.lastTs = ts;
    this.onCpu = on;
  }

  private checkTimestamp(cpu: number, ts: number): void {
    if (cpu >= this.lastTs.length) this.growCpuTables(cpu);
    if (ts < this.lastTs[cpu]) this.warnings.add('out-of-order-timestamp', this.b.input, this.b.pos[this.row], `CPU ${cpu}`);
    else this.lastTs[cpu] = ts;
  }

  /** Evidence of the current event; its held snapshot is bounded (graph/evidence EVIDENCE_HELD, lockdep's MAX_LOCK_DEPTH). */
  private evidence(held: HeldStack, depth = held.depth, uncertain = false): Evidence {
    const b = this.b, i = this.row;
    const from = heldFrom(depth);
    const ev: Evidence = {
      input: b.input, pos: b.pos[i], seq: this.counters.events, tsNs: b.tsNs[i], cpu: b.cpu[i], pid: b.pid[i], comm: b.comm[i], ctx: this.ctx,
      held: this.snapshots.heldClasses(held, depth), uncertain,
      ...(b.irq[i] & IrqBits.NoFlags ? { noContext: true } : {}),
    };
    if (from > 0) ev.heldOmitted = from;
    const stack = b.stack?.[i];
    if (stack) {
      ev.stack = stack;
      if (stack === LATE_STACK) this.waitForStack(b.pos[i], -1, ev, 0);
    }
    return ev;
  }

  /** Something of the event at `pos` waits for its stack (LATE_STACK): a held entry of `ctx` (-1: none) and/or `ev`'s field. */
  private waitForStack(pos: number, ctx: number, ev: Evidence | undefined, field: number): void {
    let w = this.lateWaiters.get(pos);
    if (!w) this.lateWaiters.set(pos, (w = { ctx: -1, evs: [], fields: [] }));
    if (ctx >= 0) w.ctx = ctx;
    if (ev) {
      w.evs.push(ev);
      w.fields.push(field);
    }
  }

  /** The stack of an event replayed in an earlier batch has come (LateStacks); NO_STACK: it never will. */
  resolveLateStack(_input: number, pos: number, stack: number): void {
    const w = this.lateWaiters.get(pos);
    if (!w) return;
    this.lateWaiters.delete(pos);
    for (let k = 0; k < w.evs.length; k++) {
      const ev = w.evs[k];
      if (w.fields[k] === 0) {
        if (ev.stack !== LATE_STACK) continue;
        if (stack) ev.stack = stack;
        else delete ev.stack;
      } else if (ev.heldStack === LATE_STACK) {
        if (stack) ev.heldStack = stack;
        else delete ev.heldStack;
      }
    }
    if (w.ctx >= 0) {
      const st = this.contexts.stacks[w.ctx];
      for (let k = st.depth - 1; k >= 0; k--) if (st.pos[k] === pos && st.stack[k] === LATE_STACK) st.stack[k] = stack;
    }
  }

  // ---------------------------------------------------------------- acquire

  private onAcquire(nameId = this.b.name[this.row], inst = this.b.addr[this.row], lf = this.b.lockFlags[this.row], recovered = false): void {
    const b = this.b, i = this.row, irq = b.irq[i];
    if (!recovered) this.counters.acquires++;
    if (irq & IrqBits.Nmi) {
      // lockdep_off() in __nmi_enter(): never pushed, never chained (trap 17)
      this.counters.nmiEvents++;
      this.warnings.add('nmi-event', b.input, b.pos[i]);
      return;
    }
    const ctx = (this.ctx = this.contextOfEvent());
    const st = this.contexts.stacks[ctx];
    this.lost.reset(ctx);
    if (st.depth && !(irq & IrqBits.NoFlags)) this.markEnabledWhileHeld(st, irq);
    const isTry = (lf & LockFlags.Try) !== 0, isRead = (lf & LockFlags.Read) !== 0;
    const classes = this.classes;
    const validated = classes.isValidated(nameId);
    const base = classes.baseOf(nameId, inst, st);

    // Same instance already held (recursion), else the implicit subclass for same-name nesting.
    // The class so chosen is only as certain as the held entries it was chosen from: a stale entry
    // (its release lost) would make a fresh acquisition `name/1`, and every dependency of it false.
    let same = -1, maxSub = -1, classFromUncertain = false;
    for (let k = st.depth - 1; k >= 0; k--) {
      if (st.inst[k] === inst && st.name[k] === nameId) {
        if (same < 0) same = k;
      } else if (classes.base[st.cls[k]] === base) {
        const s = classes.subclass[st.cls[k]];
        if (s > maxSub) maxSub = s;
      } else continue;
      if (st.flags[k] & HeldFlags.Uncertain) classFromUncertain = true;
    }
    let cls: number;
    if (same >= 0) {
      cls = st.cls[same];
    } else {
      let sub = maxSub + 1;
      if (sub >= MAX_SUBCLASSES) {
        this.warnings.add('subclass-overflow', b.input, b.pos[i], classes.name(classes.classOf(base, 0)));
        sub = MAX_SUBCLASSES - 1;
      }
      cls = classes.classOf(base, sub);
    }
    if (isRead) classes.everRead[cls] = true;
    else classes.everWritten[cls] = true;
    this.capacity.onClass(classes.count, b.input, b.pos[i]);

    const rawRead = !isRead ? RawRead.Write : irq & (INTERRUPT | IrqBits.BhOff) ? RawRead.ReadIrq : RawRead.ReadTask;
    let flags = (isTry ? HeldFlags.Try : 0) | (isRead ? HeldFlags.Read : 0) | (validated ? 0 : HeldFlags.Unvalidated);
    if (rawRead === RawRead.ReadIrq) flags |= HeldFlags.ReadInIrq;
    // A recovered acquisition happened earlier, at a moment not seen: no irq usage from it, no proof from it.
    if (recovered) flags |= HeldFlags.Recovered | HeldFlags.Uncertain;
    if (classFromUncertain) flags |= HeldFlags.Uncertain | HeldFlags.ClassGuess;
    // Uncertain as decoded (not from a loss): nothing later proves it.
    if (lf & LockFlags.Uncertain) flags |= HeldFlags.Uncertain | HeldFlags.ClassGuess;

    if (validated && !recovered) {
      const m = IrqUsage.bitsFor(irq, isTry, isRead);
      if (m && this.usage.isNew(cls, m)) this.usage.mark(cls, m, this.evidence(st));
    }

    if (validated && !isTry) {
      if (same >= 0) this.recordRecursion(st, same, cls, rawRead, false);
      else if (irq & INTERRUPT && !(irq & IrqBits.NoFlags)) this.checkInterruptedRecursion(nameId, inst, cls, rawRead);
      this.validateChain(st, st.depth, cls, inst, flags, rawRead, irq);
    }

    if (st.depth >= this.opts.maxDepth) {
      // Past the replay's own depth limit (far past lockdep's MAX_LOCK_DEPTH of 48, where __lock_acquire()
      // calls debug_locks_off() and records nothing more at all): the acquisition was validated above
      // against the deepest kept entry, which is really held, so its dependency is kept (one edge, bounded
      // evidence); it is not pushed, so dependencies *from* it are lost, and that is what 'depth-limit'
      // counts. Its release is expected: the overflow count absorbs it instead of an 'unheld-release'.
      st.overflow++;
      const w = this.warnings;
      w.add('depth-limit', b.input, b.pos[i], w.keepsLocation('depth-limit') ? `${this.contexts.describe(ctx)} holds ${st.depth + st.overflow} locks` : undefined);
      return;
    }
    // Usage the acquisition could not set yet: irqs (or BH) were off, so enabling them while held sets it later.
    const enabled = validated && !(irq & IrqBits.NoFlags) ? IrqUsage.bitsFor(irq, true, false) : ENABLED_ALL;
    const pending = (enabled & ENABLED_ALL) !== ENABLED_ALL ? HeldFlags.EnablePending : 0;
    let stack = 0;
    if (b.stack && !recovered) {
      stack = b.stack[i];
      if (stack === LATE_STACK) this.waitForStack(b.pos[i], ctx, undefined, 0);
    }
    st.push(cls, inst, nameId, flags | pending, b.input, b.pos[i], b.tsNs[i], stack);
    this.capacity.onDepth(st.depth, b.input, b.pos[i]);
  }

  /**
   * check_prevs_add(): from the top of the held stack down, an edge from each
   * held lock to the new one, stopping after the first held non-trylock;
   * check=0 entries are stepped over. A chain seen before (same classes,
   * instances and flags) costs one lookup.
   */
  private validateChain(st: HeldStack, depth: number, cls: number, inst: number, flags: number, rawRead: number, irq: number): void {
    if (depth === 0) return;
    const lo = chainKeyLo(st.chainLo[depth - 1], cls, flags | (irq & IrqBits.NoFlags ? 0x80 : 0));
    const hi = chainKeyHi(st.chainHi[depth - 1], cls, inst);
    this.counters.chainLookups++;
    const cache = this.chainCache;
    const at = cache.get(lo, hi);
    if (at >= 0) {
      this.counters.chainHits++;
      const pool = cache.pool;
      for (let k = at + 1, end = at + 1 + 3 * pool[at]; k < end; k += 3) {
        const c = pool[k + 2];
        this.graph.bump(pool[k], pool[k + 1], c === CLEAN);
        // The same chain, so the same held entries: the one a provable dependency rests on is at the same index.
        if (c >= PROVABLE_AT) this.pendProof(st, depth, c - PROVABLE_AT, pool[k]);
      }
      return;
    }
    cache.begin();
    for (let k = depth - 1; k >= 0; k--) {
      const pf = st.flags[k];
      if (pf & HeldFlags.Unvalidated) continue;
      const prev = st.cls[k];
      if (prev !== cls) {
        const prevRaw = !(pf & HeldFlags.Read) ? RawRead.Write : pf & HeldFlags.ReadInIrq ? RawRead.ReadIrq : RawRead.ReadTask;
        const combo = comboOf(prevRaw, rawRead);
        const clean = !((pf | flags) & HeldFlags.Uncertain);
        // Resting only on a held entry that was there before a loss: its later release can prove it.
        const provable = !clean && !(flags & HeldFlags.Uncertain) && !(pf & HeldFlags.ClassGuess);
        const g = this.graph;
        const e = g.observe(prev, cls, combo, clean);
        let ev: Evidence | undefined;
        if (g.needs & NEEDS_EVIDENCE) g.setEvidence(e, (ev = this.withHeldStack(clean ? this.evidence(st, depth) : this.uncertainEvidence(st, depth, k, flags), st, k)));
        if (g.needs & NEEDS_GATES) g.seeGates(e, this.snapshots.gatePairs(st, k));
        this.capacity.onDependency(this.graph.size, this.b.input, this.b.pos[this.row]);
        if (provable) this.pendProof(st, depth, k, e, ev);
        cache.add(e, combo, clean ? CLEAN : provable ? PROVABLE_AT + k : 0);
        if (this.opts.wqModel === 'shared' && this.workqueues.isWqMapName(this.classes.nameId[cls])) {
          let s = this.wqEdgeInstances.get(e);
          if (!s) this.wqEdgeInstances.set(e, (s = new Set()));
          s.add(inst);
        }
      }
      if (!(pf & HeldFlags.Try)) break;
    }
    cache.commit(lo, hi);
    this.capacity.onChain(this.chainCache.size, this.b.input, this.b.pos[this.row]);
  }

  /** Evidence of an uncertain observation, naming the held entry (or the new acquisition) it rests on. */
  private uncertainEvidence(st: HeldStack, depth: number, k: number, flags: number): Evidence {
    const ev = this.evidence(st, depth, true);
    const pf = st.flags[k];
    if (pf & HeldFlags.Uncertain) {
      ev.restsOn = { cls: st.cls[k], input: st.input[k], pos: st.pos[k], why: pf & HeldFlags.ClassGuess ? 'class' : pf & HeldFlags.Recovered ? 'recovered' : 'lost' };
    } else {
      ev.restsOn = { cls: -1, input: this.b.input, pos: this.b.pos[this.row], why: flags & HeldFlags.ClassGuess ? 'class' : 'recovered' };
    }
    return ev;
  }

  /**
   * Dependency e (or recursion candidate -e-1 when e < 0) rests on held entry k,
   * uncertain since a loss: pending until k's release proves it, or k is shown
   * stale and refutes it (replay/pendingProofs).
   */
  private pendProof(st: HeldStack, depth: number, k: number, e: number, ev?: Evidence): void {
    const proofs = this.proofs;
    const head = st.proof[k];
    if (proofs.observe(head, e)) return;
    // Evidence only while the dependency has no clean one: the first proven record gives it.
    const needs = e >= 0 && this.graph.firstClean[e] === undefined;
    st.proof[k] = proofs.push(head, e, needs ? ev ?? this.uncertainEvidence(st, depth, k, 0) : undefined);
  }

  /** Settles the pending proofs of held entry k, released now with no loss since they were recorded. */
  private settleProofs(st: HeldStack, k: number): void {
    const head = st.proof[k];
    st.proof[k] = -1;
    this.provenBy = { input: this.b.input, pos: this.b.pos[this.row] };
    if (!(st.flags[k] & HeldFlags.Recovered)) {
      this.proofs.settle(head, this.prove);
      return;
    }
    // A recovered entry was pushed as a write (lock_contended has no read flag): its dependencies are
    // proven only if the class is never taken for read in the capture, known at the end.
    this.provingCls = st.cls[k];
    this.proofs.settle(head, this.deferProof);
  }

  private provenBy = { input: 0, pos: 0 };
  private provingCls = -1;
  private readonly prove = (e: number, n: number, ev: Evidence | undefined): void => {
    if (e < 0) this.recursions[-e - 1].uncertain = false;
    else if (this.graph.prove(e, n, ev) && ev) ev.provenBy = this.provenBy;
  };
  private readonly refute = (e: number, n: number): void => {
    if (e < 0) this.recursions[-e - 1].refuted = true;
    else this.graph.refute(e, n);
  };
  /** Proofs from recovered entries, applied by finish() if their class was never read. */
  private deferred: { e: number; n: number; ev: Evidence | undefined; cls: number; by: { input: number; pos: number } }[] = [];
  private readonly deferProof = (e: number, n: number, ev: Evidence | undefined): void => {
    this.deferred.push({ e, n, ev, cls: this.provingCls, by: this.provenBy });
  };

  /**
   * The lower bound of mark_held_locks() (kernel-semantics §4.4): lockdep marks
   * ENABLED_HARDIRQ/SOFTIRQ on every held lock when irqs/BH are enabled
   * (lockdep_hardirqs_on_prepare(), lockdep_softirqs_on()). Without irq_enable
   * events, a later event of the same context that shows irqs (or BH) on while
   * the lock is still held proves it. Entries with uncertain history are skipped.
   */
  private markEnabledWhileHeld(st: HeldStack, irq: number): void {
    const m = IrqUsage.bitsFor(irq, true, false);
    if (!m) return;
    // Entries below pendingFrom wait for nothing: a deep stack costs nothing here once its entries are settled.
    let still = NO_PENDING;
    for (let k = st.pendingFrom; k < st.depth; k++) {
      const f = st.flags[k];
      // Uncertain and unvalidated entries never get marked: they do not keep the scan going either.
      if (!(f & HeldFlags.EnablePending) || f & (HeldFlags.Uncertain | HeldFlags.Unvalidated)) continue;
      const cls = st.cls[k];
      const bits = f & HeldFlags.Read ? readVariant(m) : m;
      if (this.usage.isNew(cls, bits)) this.usage.mark(cls, bits, this.evidence(st));
      if ((m & ENABLED_ALL) === ENABLED_ALL) st.flags[k] = f & ~HeldFlags.EnablePending;
      else if (still === NO_PENDING) still = k;
    }
    st.pendingFrom = still;
  }

  private recordRecursion(st: HeldStack, k: number, cls: number, nextRaw: number, crossContext: boolean): void {
    const pf = st.flags[k];
    const prevRaw = !(pf & HeldFlags.Read) ? RawRead.Write : pf & HeldFlags.ReadInIrq ? RawRead.ReadIrq : RawRead.ReadTask;
    // Read after read may be allowed (recursive read); judged with the whole capture. Only distinct cases are kept.
    const uncertain = (pf & HeldFlags.Uncertain) !== 0;
    // (class, prev read kind, next read kind, uncertain, cross-context); read kinds are 0..2
    const key = cls * 64 + prevRaw * 16 + nextRaw * 4 + (uncertain ? 2 : 0) + (crossContext ? 1 : 0);
    if (prevRaw === RawRead.Write || nextRaw === RawRead.Write) {
      this.warnings.add('duplicate-acquire', this.b.input, this.b.pos[this.row], this.classes.displayName(cls));
    }
    if (this.recursionKeys.has(key)) return;
    this.recursionKeys.add(key);
    this.recursions.push({ cls, prevRaw, nextRaw, uncertain, crossContext, prev: this.heldEvidence(st, k), next: this.evidence(st, st.depth, uncertain) });
    // Uncertain only because the first acquisition was held across a loss: its release (or its disproof) settles it.
    if (uncertain && !(pf & HeldFlags.ClassGuess)) this.pendProof(st, st.depth, k, -this.recursions.length);
  }

  /** Evidence of a held entry's own acquisition (position, time and call stack from the held stack). */
  private heldEvidence(st: HeldStack, k: number): Evidence {
    const ev = this.evidence(st, k, (st.flags[k] & HeldFlags.Uncertain) !== 0);
    ev.input = st.input[k];
    ev.pos = st.pos[k];
    ev.tsNs = st.ts[k];
    delete ev.seq; // not this event's: the held entry's acquisition, whose ordinal the stack does not keep
    delete ev.stack;
    const stack = st.stack[k];
    if (stack) {
      ev.stack = stack;
      if (stack === LATE_STACK) this.waitForStack(st.pos[k], -1, ev, 0);
    }
    return ev;
  }

  /** Adds the call stack of held entry k (the dependency's `prev`) to a dependency's evidence. */
  private withHeldStack(ev: Evidence, st: HeldStack, k: number): Evidence {
    const stack = st.stack[k];
    if (stack) {
      ev.heldStack = stack;
      if (stack === LATE_STACK) this.waitForStack(st.pos[k], -1, ev, 1);
    }
    return ev;
  }

  /**
   * check_deadlock() scans every held lock of the task, across irq contexts:
   * an interrupt taking the very instance its interrupted task (or softirq)
   * holds is an AA deadlock.
   */
  private checkInterruptedRecursion(nameId: number, inst: number, cls: number, rawRead: number): void {
    const b = this.b, i = this.row, cpu = b.cpu[i], pid = b.pid[i], irq = b.irq[i];
    // The softirq a hardirq interrupted (if any), then the task (or idle) under both.
    if (irq & IrqBits.Hardirq && irq & IrqBits.Softirq && this.interruptedHolds(this.softCtx[cpu], nameId, inst, cls, rawRead)) return;
    this.interruptedHolds(pid === 0 ? this.contexts.peek(ContextKind.Idle, cpu) : this.contexts.peek(ContextKind.Task, pid), nameId, inst, cls, rawRead);
  }

  /** Records the recursion if context `ctx` (-1: none) holds this very instance of the class; true if it did. */
  private interruptedHolds(ctx: number, nameId: number, inst: number, cls: number, rawRead: number): boolean {
    if (ctx === undefined || ctx < 0) return false;
    const st = this.contexts.stacks[ctx];
    const k = st.find(inst, nameId);
    if (k < 0 || this.classes.base[st.cls[k]] !== this.classes.base[cls]) return false;
    this.recordRecursion(st, k, st.cls[k], rawRead, true);
    return true;
  }

  // ---------------------------------------------------------------- release

  /**
   * __lock_release(): find the entry from the top down within this context;
   * releasing a non-top entry re-validates the entries above it against their
   * new neighbours (reacquire_held_locks()).
   */
  private onRelease(nameId = this.b.name[this.row], inst = this.b.addr[this.row], anyContext = false): void {
    const b = this.b, i = this.row;
    this.counters.releases++;
    if (b.irq[i] & IrqBits.Nmi) {
      this.counters.nmiEvents++;
      return;
    }
    const ctx = (this.ctx = this.contextOfEvent());
    let st = this.contexts.stacks[ctx];
    if (st.depth && !(b.irq[i] & IrqBits.NoFlags)) this.markEnabledWhileHeld(st, b.irq[i]);
    let k = st.find(inst, nameId);
    if (k < 0 && anyContext) {
      // A pseudo-lock released by another context (inode_dio_end() from the completion).
      for (let c = 0; c < this.contexts.count && k < 0; c++) {
        k = this.contexts.stacks[c].find(inst, nameId);
        if (k >= 0) st = this.contexts.stacks[c];
      }
      if (k >= 0) {
        st.remove(k);
        return;
      }
    }
    if (k < 0 && st.overflow > 0) {
      // One of the acquisitions past the depth limit (never pushed, counted as 'depth-limit'): releases
      // are LIFO in well-formed code, so the overflow above the stack is released first.
      st.overflow--;
      return;
    }
    if (k < 0) {
      // Held since before the capture, lost, or released by another context: counted, never an error.
      this.counters.unheldReleases++;
      this.warnings.add('unheld-release', b.input, b.pos[i], this.strings.text(nameId));
      const cls = this.classes.classOf(this.classes.baseOf(nameId, inst, st), 0);
      const inner = this.lost.releasedLost(ctx, cls);
      if (inner >= 0 && inner !== cls) this.inferReleaseOrder(st, cls, inner);
      return;
    }
    if (st.flags[k] & HeldFlags.Recovered) this.lost.releasedLost(ctx, st.cls[k]);
    else this.lost.reset(ctx);
    if (b.irq[i] & IrqBits.NoFlags && this.streamsSeen !== null) this.checkHeldAcrossSwitch(ctx, st, k);
    if (st.proof[k] >= 0) this.settleProofs(st, k);
    if (inst < this.maybeStale.length && this.maybeStale[inst]) k = this.dropStaleHolders(st, k, inst, nameId);
    if (k === st.depth - 1) {
      st.depth--;
      return;
    }
    this.warnings.add('out-of-order-release', b.input, b.pos[i], this.strings.text(nameId));
    st.remove(k);
    // reacquire_held_locks(): entries above k are chained again against what is now below them.
    for (let j = k; j < st.depth; j++) {
      const f = st.flags[j];
      if (!(f & (HeldFlags.Unvalidated | HeldFlags.Try))) {
        const raw = !(f & HeldFlags.Read) ? RawRead.Write : f & HeldFlags.ReadInIrq ? RawRead.ReadIrq : RawRead.ReadTask;
        this.validateChain(st, j, st.cls[j], st.inst[j], f, raw, b.irq[i]);
      }
    }
  }

  // ------------------------------------------------------ lost acquisitions

  /**
   * lock_contended / lock_acquired of a lock the context does not hold: its
   * lock_acquire was lost (replay/lostAcquisitions.ts, rule 1). It is pushed
   * as a recovered, uncertain entry so its release matches.
   */
  private onContention(): void {
    const b = this.b, i = this.row;
    if (b.irq[i] & IrqBits.Nmi) return;
    const ctx = this.contextOfEvent();
    const st = this.contexts.stacks[ctx];
    // Only LOCK_CONTENDED() emits these: the class is a real lock, not a lockdep_map (analysis/readInterpretation).
    let k = st.find(b.addr[i], b.name[i]);
    if (k >= 0) {
      this.classes.lockStat[st.cls[k]] = true;
      if (b.kind[i] === EventKind.Acquired && b.addr[i] < this.maybeStale.length && this.maybeStale[b.addr[i]]) this.dropStaleHolders(st, k, b.addr[i], b.name[i]);
      return;
    }
    if (st.overflow > 0) return;
    this.lost.recovered++;
    this.warnings.add('recovered-acquire', b.input, b.pos[i], this.strings.text(b.name[i]));
    this.onAcquire(b.name[i], b.addr[i], 0, true);
    if ((k = st.find(b.addr[i], b.name[i])) >= 0) this.classes.lockStat[st.cls[k]] = true;
  }

  /**
   * Rule 2 of replay/lostAcquisitions.ts: `outer` was released right after
   * `inner`, both acquired unseen, so `outer` was most likely held around
   * `inner`: the dependency outer -> inner, inferred and uncertain, with this
   * release as its evidence.
   */
  private inferReleaseOrder(st: HeldStack, outer: number, inner: number): void {
    this.lost.inferred++;
    const names = this.classes;
    const ev = this.evidence(st, st.depth, true);
    ev.held = [...ev.held, outer];
    ev.inferred = releaseOrderInference(names.displayName(outer), names.displayName(inner));
    delete ev.stack; // the release's stack, not the inferred acquisition's
    const e = this.graph.observe(outer, inner, comboOf(RawRead.Write, RawRead.Write), false);
    this.graph.setEvidence(e, ev);
    this.graph.seeGates(e, []);
  }

  // ----------------------------------------------------------- pseudo-locks

  /**
   * An event a pseudo-lock rule maps (--rules): acquire, release (possibly by
   * another context), or wait = acquire + release, like lock_map_acquire() +
   * lock_map_release() around a wait in the kernel.
   */
  private onPseudo(eventId: number, bodyId: number): void {
    const op = this.pseudo!.lookup(eventId, bodyId);
    if (!op) return;
    const lf = op[3] ? LockFlags.Read : 0;
    if (op[0] !== PseudoAction.Release) this.onAcquire(op[1], op[2], lf);
    if (op[0] !== PseudoAction.Acquire) this.onRelease(op[1], op[2], op[0] === PseudoAction.Release);
  }

  // ------------------------------------------------------------- workqueues

  private onWorkqueue(): void {
    const b = this.b, i = this.row;
    this.counters.workqueueEvents++;
    if (b.kind[i] === EventKind.WqQueue) this.workqueues.onQueue(b.addr[i], b.name[i], b.aux[i]);
  }

  /**
   * process_one_work(): the worker acquired the workqueue's and the work's maps
   * just before execute_start, and a work item starts from an empty stack
   * (6.1 reports "workqueue leaked lock" otherwise). Anything held below the
   * two maps is a leftover of lost releases: dropped and counted.
   */
  private onWorkStart(): void {
    const b = this.b, i = this.row;
    this.counters.workqueueEvents++;
    const ctx = (this.ctx = this.contextOfEvent());
    const st = this.contexts.stacks[ctx];
    const d = st.depth;
    let wqIdx = -1;
    if (d >= 2 && this.workqueues.isWqMapName(st.name[d - 2])) wqIdx = d - 2;
    const workIdx = d >= 1 ? d - 1 : -1;
    const keepFrom = wqIdx >= 0 ? wqIdx : workIdx >= 0 && this.workqueues.isWorkMapName(st.name[workIdx]) ? workIdx : d;
    if (keepFrom > 0) {
      this.warnings.add('held-at-context-exit', b.input, b.pos[i], `${keepFrom} lock(s) held by ${this.contexts.describe(ctx)} when a work item started`, keepFrom);
      this.refutePending(st, keepFrom);
      st.dropBelow(keepFrom);
    }
    const wqCls = st.depth >= 2 && this.workqueues.isWqMapName(st.name[0]) ? st.cls[0] : -1;
    const workCls = st.depth >= 1 && this.workqueues.isWorkMapName(st.name[st.depth - 1]) ? st.cls[st.depth - 1] : -1;
    this.workqueues.onExecute(wqCls >= 0 ? this.classes.base[wqCls] : -1, wqCls >= 0 ? st.inst[0] : -1, workCls, b.addr[i], b.name[i]);
  }

  // ------------------------------------------------------------ task lifetime

  /**
   * sched_process_exit of a task, or sched_process_fork of a child whose pid a task of the capture had:
   * the pid's context ends, so a later task with that pid starts with nothing held (over a long live
   * run pids are reused). Locks it still held are dropped and warned, as lockdep's
   * debug_check_no_locks_held() complains of a task exiting with locks held.
   */
  private onTaskEnd(pid: number, how: string): void {
    const ctx = this.contexts.peek(ContextKind.Task, pid);
    if (ctx < 0) return;
    const st = this.contexts.stacks[ctx];
    const n = st.depth + st.overflow;
    if (n > 0) this.warnings.add('held-at-context-exit', this.b.input, this.b.pos[this.row], `${n} lock(s) held by task ${pid} when it ${how}`, n);
    this.contexts.retire(pid);
  }

  // ------------------------------------------------------------ lost state

  /**
   * CPU:N [LOST M EVENTS]: every context that last ran on that CPU may have
   * lost releases; its held entries become uncertain until released.
   */
  private onLost(): void {
    const b = this.b, i = this.row, cpu = b.cpu[i];
    // A gap's start (trace.dat, LostFlags.GapStart) only makes state uncertain; its end counts it.
    if (!(b.lockFlags[i] & LostFlags.GapStart)) {
      this.counters.lostMarkers++;
      this.counters.lostEvents += b.aux[i];
      this.warnings.add('lost-events', b.input, b.pos[i], `CPU ${cpu}: ${b.aux[i] || 'unknown number of'} events lost`);
    }
    const c = this.contexts;
    // Any task may have run on that CPU during the loss (migrations are lost too): every task's held
    // entry may have lost its release. Conservative, so a loss never yields a plain deadlock.
    // No proof pending on them can be completed: a release after the loss no longer shows the
    // entry was held when the dependency was recorded (replay/pendingProofs).
    // A CPU's own contexts never run elsewhere: its hardirq and softirq contexts (irq_enter() and
    // __do_softirq() run on the CPU they interrupt, kernel/softirq.c) and its idle task (one per CPU,
    // kernel/sched/idle.c, never migrated). When the loss is known to be of one CPU's ring buffer
    // (LostFlags.CpuExact), the other CPUs' contexts lost nothing: their state and proofs stand.
    if (!(b.lockFlags[i] & LostFlags.CpuExact)) {
      for (let ctx = 0; ctx < c.count; ctx++) c.stacks[ctx].markAllUncertain();
      this.proofs.reset();
    } else {
      for (let ctx = 0; ctx < c.count; ctx++) {
        if (c.kind[ctx] !== ContextKind.Task && c.owner[ctx] !== cpu) continue;
        const st = c.stacks[ctx];
        for (let k = 0; k < st.depth; k++) if (st.proof[k] >= 0) this.proofs.discard(st.proof[k]);
        st.markAllUncertain();
      }
    }
    this.markMaybeStale();
    // The chain cache stays: a chain's key covers every held entry's flags, Uncertain included
    // (markAllUncertain() rechains), so a cached record (dependencies, combos, clean) is still what
    // walking that chain would give, as lookup_chain_cache_add() relies on the chain_key alone.
  }

  /**
   * ##### CPU N buffer started ####: that CPU's earlier events were overwritten,
   * so everything recorded up to here (by any context, since tasks migrate) may
   * rest on lost releases.
   */
  private onBufferStarted(): void {
    this.bufferStarts++;
    const c = this.contexts;
    for (let ctx = 0; ctx < c.count; ctx++) c.stacks[ctx].markAllUncertain();
    this.proofs.reset();
    this.markMaybeStale();
    this.deferred.length = 0;
    this.graph.resetClean();
    // Records say "clean" for chains whose dependencies resetClean() just made unclean, and a hit
    // would count them clean without their first clean evidence: forget them.
    this.chainCache.clear();
  }


  // ------------------------------------------------- stale entries disproven

  /** Instances (address IDs) with an uncertain held entry somewhere since the last loss: candidates for dropStaleHolders(). */
  private maybeStale = new Uint8Array(1024);
  /** Uncertain entries found released unseen (another holder of the same exclusive lock seen). */
  staleDropped = 0;

  private markMaybeStale(): void {
    const c = this.contexts;
    for (let ctx = 0; ctx < c.count; ctx++) {
      const st = c.stacks[ctx];
      for (let k = 0; k < st.depth; k++) {
        if (st.flags[k] & HeldFlags.Unvalidated) continue;
        const a = st.inst[k];
        if (a >= this.maybeStale.length) {
          const m = new Uint8Array(Math.max(a + 1, this.maybeStale.length * 2));
          m.set(this.maybeStale);
          this.maybeStale = m;
        }
        this.maybeStale[a] = 1;
      }
    }
  }

  /**
   * Mutual exclusion disproves a stale entry. The current context held
   * (instance, name) just now for write (its release, or its lock_acquired,
   * is being replayed: entry `k` of `holder`); the lock is a real one
   * (lock_contended/lock_acquired seen: a spinlock, rwlock_t, mutex or
   * rw_semaphore, not a lockdep_map that many contexts hold at once). Then no
   * other uncertain entry of that instance can still be held, for write or for
   * read (a writer excludes readers: rwsem_down_write_slowpath() and
   * queued_write_lock_slowpath() wait for the reader count to drain): its
   * release was lost. It is dropped, what was recorded from it since the last
   * loss is refuted, and it stops spoiling what the context records next. A
   * reader completing proves nothing here: a writer that downgraded
   * (downgrade_write(), mmap_write_downgrade(); no trace event) still shows
   * as a write entry while it holds the lock for read beside other readers.
   */
  private dropStaleHolders(holder: HeldStack, k: number, inst: number, nameId: number): number {
    if (holder.flags[k] & HeldFlags.Read || !this.classes.lockStat[holder.cls[k]]) return k;
    this.maybeStale[inst] = 0;
    // (____ptrval____): every instance prints alike, so instances cannot be told apart (kernel-semantics §1.5).
    if (this.strings.text(inst) === PTRVAL) return k;
    const c = this.contexts;
    for (let ctx = 0; ctx < c.count; ctx++) {
      const st = c.stacks[ctx];
      for (let j = st.depth - 1; j >= 0; j--) {
        if (st === holder && j === k) continue;
        const f = st.flags[j];
        if (st.inst[j] !== inst || st.name[j] !== nameId || !(f & HeldFlags.Uncertain)) continue;
        // Not held since the last loss (its release would have been seen): what was recorded from it since is false.
        if (st.proof[j] >= 0) this.proofs.settle(st.proof[j], this.refute);
        st.remove(j);
        if (st === holder && j < k) k--;
        this.staleDropped++;
        this.warnings.add('stale-held-dropped', this.b.input, this.b.pos[this.row], this.strings.text(nameId));
      }
    }
    return k;
  }

  /**
   * Entries [0, to) of `st` are found not held although no release of them was seen: a context that
   * must start or end with nothing held (an interrupt returning, a work item starting) reached that
   * point. What is pending on them was recorded since the last loss of events of that context, and
   * they were not released in its seen events since: they were released before or during that loss,
   * so what was recorded from them since is false (refuted, as by dropStaleHolders()).
   */
  private refutePending(st: HeldStack, to: number): void {
    for (let k = 0; k < to; k++) {
      if (st.proof[k] < 0) continue;
      this.proofs.settle(st.proof[k], this.refute);
      st.proof[k] = -1;
    }
  }

  // ---------------------------------------------------------------- the end

  /** Locks still held when the capture ended: counted and reported, not errors. */
  finish(): number {
    this.pairing.endInput();
    for (const d of this.deferred) {
      if (this.classes.everRead[d.cls]) continue;
      this.provenBy = d.by;
      this.prove(d.e, d.n, d.ev);
    }
    this.deferred.length = 0;
    let held = 0;
    const c = this.contexts;
    for (let ctx = 0; ctx < c.count; ctx++) {
      const st = c.stacks[ctx];
      const d = st.depth + st.overflow;
      if (d) {
        held += d;
        this.warnings.add('held-at-end', -1, 0, `${d} in ${c.describe(ctx)}${st.overflow ? ` (${st.overflow} past the depth limit)` : ''}`, d);
      }
    }
    return held;
  }
}
