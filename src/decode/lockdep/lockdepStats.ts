/**
 * Importer for /proc/lockdep_stats (kernel/locking/lockdep_proc.c:
 * lockdep_stats_show()), for the one line a comparison needs: `debug_locks:`,
 * the value of debug_locks when the file was read. 0 means lockdep turned
 * itself off before the dump (debug_locks_off(), called by every report it
 * prints: print_circular_bug(), print_usage_bug(), print_deadlock_bug(), ...),
 * after which lock_acquire() returns before __lock_acquire() (lockdep_enabled()
 * is false) and no dependency is recorded any more.
 */
import { openInput } from '../../io/openInput.ts';
import { InputError } from '../../model/inputError.ts';

export interface LockdepStats {
  /** debug_locks when the stats were read (0: lockdep had turned itself off). */
  debugLocks: number;
}

export function parseLockdepStats(text: string, inputName = '<lockdep_stats>'): LockdepStats {
  const lines = text.split('\n');
  if (!lines.some((l) => /^\s*lock-classes:\s+\d+/.test(l))) {
    throw new InputError(inputName, { line: 1 }, 'not a /proc/lockdep_stats dump (expected "lock-classes:")');
  }
  for (let k = 0; k < lines.length; k++) {
    const m = /^\s*debug_locks:\s+(\d+)\s*$/.exec(lines[k]);
    if (m) return { debugLocks: Number(m[1]) };
  }
  throw new InputError(inputName, { line: lines.length }, 'no "debug_locks:" line in this /proc/lockdep_stats dump');
}

/** Reads /proc/lockdep_stats (a few hundred bytes; plain or compressed like every input). */
export async function readLockdepStats(path: string): Promise<LockdepStats> {
  const input = await openInput(path);
  const chunks: Buffer[] = [];
  for await (const c of input.chunks) chunks.push(c);
  return parseLockdepStats(Buffer.concat(chunks).toString('latin1'), input.name);
}
