/**
 * Transient conflicts between writers are the engine's to report and ours to
 * retry: SQLite's SQLITE_BUSY family (another connection holds the write lock
 * longer than busy_timeout), PostgreSQL's serialization_failure (40001) and
 * deadlock_detected (40P01). Nothing else is retried: a constraint violation or
 * a lost connection is an error the user must see.
 */
export const RETRY_BUDGET_MS = 120_000;

export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_LOCKED_');
}

/** The pause before attempt n+1: exponential from 5 ms to 1 s, randomized so retrying writers do not collide again. */
export function backoffMs(attempt: number): number {
  const cap = Math.min(1000, 5 * 2 ** Math.min(attempt, 10));
  return cap / 2 + Math.random() * (cap / 2);
}

/**
 * Runs attempt() until it succeeds or fails with a non-transient error; after
 * `budgetMs` of transient failures the last one is thrown (callers turn it
 * into a StoreError naming the store).
 */
export async function withRetry<T>(attempt: () => Promise<T>, budgetMs = RETRY_BUDGET_MS): Promise<T> {
  const start = Date.now();
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isTransient(e) || Date.now() - start > budgetMs) throw e;
      await new Promise((r) => setTimeout(r, backoffMs(n)));
    }
  }
}
