/**
 * Explanations a kernel developer recognises, for cycles through lockdep's
 * pseudo-locks: fs_reclaim (a lock held across an allocation that may enter
 * reclaim, and the same lock taken inside reclaim) and the workqueue maps
 * (flushing while holding a lock the work item needs).
 */
import type { Finding } from './findings.ts';
import { FS_RECLAIM, WORK_COMPLETION_PREFIX, WQ_COMPLETION_PREFIX } from './knownClasses.ts';

const bare = (n: string) => n.replace(/(#\d+)?(\/\d+)?$/, '');

export function explainCycle(f: Finding): string | undefined {
  const deps = f.dependencies;
  const intoReclaim = deps.find((d) => bare(d.to) === FS_RECLAIM);
  const outOfReclaim = deps.find((d) => bare(d.from) === FS_RECLAIM);
  if (intoReclaim && outOfReclaim) {
    const a = intoReclaim.first, b = outOfReclaim.first;
    return (
      `${intoReclaim.from} is held across a memory allocation that may enter filesystem reclaim ` +
      `(a GFP_KERNEL-style allocation: might_alloc()/fs_reclaim_acquire() took fs_reclaim under it, by ${a.comm}/${a.pid} at ${where(a)}), ` +
      `while ${outOfReclaim.to} is taken inside reclaim context (under fs_reclaim: direct reclaim, kswapd or a shrinker, ` +
      `by ${b.comm}/${b.pid} at ${where(b)}). If that allocation recursed into reclaim, it would wait for ${outOfReclaim.to}, ` +
      `which its own caller holds. Fix: allocate with GFP_NOFS/GFP_NOIO (or inside memalloc_nofs_save()/memalloc_noio_save()) ` +
      `under the lock, move the allocation out of the lock, or do not take the lock in reclaim; __GFP_NOLOCKDEP only hides it.`
    );
  }
  const flush = deps.find((d) => bare(d.to).startsWith(WQ_COMPLETION_PREFIX) || bare(d.to).startsWith(WORK_COMPLETION_PREFIX));
  const exec = deps.find((d) => bare(d.from).startsWith(WQ_COMPLETION_PREFIX) || bare(d.from).startsWith(WORK_COMPLETION_PREFIX));
  if (flush && exec) {
    const a = flush.first;
    return (
      `${a.comm}/${a.pid} waits for ${flush.to} (flush_workqueue()/flush_work()/destroy_workqueue() at ${where(a)}) ` +
      `while holding ${flush.from}, and the work item executed on that workqueue takes ${flush.from} ` +
      `(${exec.from} -> ${exec.to} in the worker). If the work is pending, the flush waits for it forever.`
    );
  }
  return undefined;
}

function where(e: { input: string; line?: number; byte?: number }): string {
  return e.line !== undefined ? `${e.input}:${e.line}` : `${e.input} byte ${e.byte}`;
}
