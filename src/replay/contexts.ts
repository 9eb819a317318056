/**
 * Execution contexts as explicit keys (design note 4, kernel-semantics trap 1):
 * a task by pid (its stack follows it across CPUs: mutexes are held across
 * sleeps and migrations), each CPU's idle task (pid 0 is one task per CPU),
 * and each CPU's softirq and hardirq context. Interrupts push onto their own
 * context, never onto the interrupted task's: lockdep's walks stop where
 * irq_context changes (separate_irq_context()).
 */
import { HeldStack } from './heldStack.ts';

export enum ContextKind { Task = 0, Idle = 1, Softirq = 2, Hardirq = 3 }
const KIND_NAMES = ['task', 'idle', 'softirq', 'hardirq'];
/** The held stack of every retired task context: empty, and nothing is pushed on it (no pid names it). */
const RETIRED = new HeldStack(1);
/** pids below this (pid_max is at most 2^22) find their context in an array. */
const DENSE_PIDS = 1 << 22;

export class Contexts {
  private ids = new Map<number, number>();
  readonly kind: number[] = [];
  /** pid for tasks, CPU for per-CPU contexts */
  readonly owner: number[] = [];
  readonly stacks: HeldStack[] = [];
  /** CPU of the context's latest event */
  readonly lastCpu: number[] = [];
  /** comm (global string ID) of the context's latest event */
  readonly lastComm: number[] = [];

  get count(): number {
    return this.kind.length;
  }

  /** Task contexts by pid, for pids below DENSE_PIDS (every event asks; a Map lookup each was measurable). */
  private taskByPid = new Int32Array(1024).fill(-1);

  /** Dense ID of a context, created on first use. */
  id(kind: ContextKind, owner: number): number {
    if (kind === ContextKind.Task && owner >= 0 && owner < DENSE_PIDS) {
      if (owner < this.taskByPid.length) {
        const t = this.taskByPid[owner];
        if (t >= 0) return t;
      } else {
        let n = this.taskByPid.length;
        while (n <= owner) n *= 2;
        const a = new Int32Array(n).fill(-1);
        a.set(this.taskByPid);
        this.taskByPid = a;
      }
      return (this.taskByPid[owner] = this.create(kind, owner));
    }
    return this.create(kind, owner);
  }

  /** The context of (kind, owner) from the Map, created if new. */
  private create(kind: ContextKind, owner: number): number {
    const key = kind === ContextKind.Task ? owner : -(owner * 3 + kind);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.kind.length;
      this.ids.set(key, id);
      this.kind.push(kind);
      this.owner.push(owner);
      this.stacks.push(new HeldStack());
      this.lastCpu.push(-1);
      this.lastComm.push(0);
    }
    return id;
  }

  /**
   * The task with this pid has ended: the pid no longer names its context (the next event of the pid
   * creates a new one) and its held stack is let go. The context's ID stays valid for the evidence that
   * names it (describe()).
   */
  retire(pid: number): void {
    const id = this.ids.get(pid);
    if (id === undefined) return;
    this.ids.delete(pid);
    if (pid >= 0 && pid < this.taskByPid.length && this.taskByPid[pid] === id) this.taskByPid[pid] = -1;
    this.stacks[id] = RETIRED;
  }

  /** Existing context or -1 (no creation). */
  peek(kind: ContextKind, owner: number): number {
    const key = kind === ContextKind.Task ? owner : -(owner * 3 + kind);
    return this.ids.get(key) ?? -1;
  }

  describe(ctx: number): string {
    const k = this.kind[ctx];
    return k === ContextKind.Task ? `task ${this.owner[ctx]}` : `${KIND_NAMES[k]} of CPU ${this.owner[ctx]}`;
  }
}
