/**
 * What the trace cannot say about a lock and a name table must (kernel-semantics
 * §1.3, traps 9 and 13): whether lockdep validates it at all (`check`), and
 * which kind of reader a `read` acquisition is. Matched on the lock name only,
 * never on a capture's own test locks.
 */

/** check=0 maps: pushed on the held stack, never validated (rcu_lock_acquire(), lockdep_set_novalidate_class()). */
const CHECK0_EXACT = new Set([
  'rcu_read_lock',
  'rcu_read_lock_bh',
  'rcu_read_lock_sched',
  'rcu_callback',
  '&dev->mutex', // device_initialize(): lockdep_set_novalidate_class(&dev->mutex)
]);

export function isUnvalidated(name: string): boolean {
  return CHECK0_EXACT.has(name);
}

/**
 * Readers that lockdep takes as recursive (read=2, lock_acquire_shared_recursive()):
 * seqcount readers (seqcount_acquire_read(); seqcount_LOCKNAME_init() and
 * seqlock_init() name them `...seqcount`), RCU maps (rcu_lock_acquire()) and
 * SRCU maps (6.1 rcu_lock_acquire(), 6.12 lock_map_acquire_read()).
 */
const RECURSIVE_READER = /seqcount|(^|[^a-z])s?rcu|_srcu\b/;

/**
 * rw_semaphore / percpu_rw_semaphore readers: down_read() and percpu_down_read()
 * go through rwsem_acquire_read() = lock_acquire_shared(), read=1, in any
 * context: a non-recursive shared acquire (a queued writer blocks a second reader).
 */
const RWSEM_READER = /rwsem|mmap_lock|mmap_sem|i_mutex|s_umount|sb_writers|cpu_hotplug_lock|kn->active|exec_update_lock|_sem$|uts_sem|namespace_sem/;

export type ReaderKind = 'recursive' | 'shared' | 'unknown';

export function readerKindOfName(name: string): ReaderKind {
  if (RECURSIVE_READER.test(name)) return 'recursive';
  if (RWSEM_READER.test(name)) return 'shared';
  return 'unknown';
}

/** Workqueue maps: one lockdep class per workqueue instance since v5.1 (wq_init_lockdep(), dynamic keys). */
export const WQ_COMPLETION_PREFIX = '(wq_completion)';
export const WORK_COMPLETION_PREFIX = '(work_completion)';

export function isWorkqueueMap(name: string): boolean {
  return name.startsWith(WQ_COMPLETION_PREFIX);
}

/** The reclaim pseudo-lock (mm/page_alloc.c: __fs_reclaim_map). */
export const FS_RECLAIM = 'fs_reclaim';
