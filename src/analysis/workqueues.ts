/**
 * Workqueue bookkeeping (kernel-semantics §5): which workqueue name each work
 * was queued on, and which workqueue instances (classes of their
 * `(wq_completion)` map) actually executed a work item. The execute side binds
 * `(wq_completion)W` -> `(work_completion)X` -> work struct -> function in one
 * fixed sequence in the worker (process_one_work()).
 */
import type { GlobalStrings } from '../model/globalStrings.ts';
import { WORK_COMPLETION_PREFIX, WQ_COMPLETION_PREFIX } from './knownClasses.ts';

export class WorkqueueTracker {
  /** base classes of `(wq_completion)` maps seen around an executed work item */
  readonly executedWq = new Set<number>();
  /** instances (map addresses) of `(wq_completion)` maps that executed a work item */
  readonly executedWqInstances = new Set<number>();
  /** executions per work-map class */
  readonly executionsByWork = new Map<number, number>();
  /** functions seen per work map class */
  readonly functionsByWork = new Map<number, Set<number>>();
  /** workqueue names seen in queue_work, with counts */
  readonly queuedOn = new Map<number, number>();
  executions = 0;
  private wqNames = new Map<number, boolean>();
  private workNames = new Map<number, boolean>();

  constructor(private readonly strings: GlobalStrings) {}

  isWqMapName(nameId: number): boolean {
    let v = this.wqNames.get(nameId);
    if (v === undefined) this.wqNames.set(nameId, (v = this.strings.text(nameId).startsWith(WQ_COMPLETION_PREFIX)));
    return v;
  }

  /** Work maps are named by INIT_WORK's argument; static works by their variable (no prefix). */
  isWorkMapName(nameId: number): boolean {
    let v = this.workNames.get(nameId);
    if (v === undefined) this.workNames.set(nameId, (v = this.strings.text(nameId).startsWith(WORK_COMPLETION_PREFIX)));
    return v;
  }

  onQueue(_work: number, _fn: number, wqName: number): void {
    this.queuedOn.set(wqName, (this.queuedOn.get(wqName) ?? 0) + 1);
  }

  onExecute(wqBase: number, wqInst: number, workCls: number, _work: number, fn: number): void {
    this.executions++;
    if (wqBase >= 0) this.executedWq.add(wqBase);
    if (wqInst >= 0) this.executedWqInstances.add(wqInst);
    if (workCls >= 0) {
      this.executionsByWork.set(workCls, (this.executionsByWork.get(workCls) ?? 0) + 1);
      let s = this.functionsByWork.get(workCls);
      if (!s) this.functionsByWork.set(workCls, (s = new Set()));
      s.add(fn);
    }
  }
}
