/**
 * Where, in event order, the kernel's default lockdep limits would have been
 * exceeded (kernel-semantics §3.10): past that point a real lockdep turns
 * itself off ("BUG: MAX_LOCKDEP_... too low!"), so a user learns whether their
 * CI kernel could have caught what lockreplay found.
 */
export const KERNEL_LIMITS = {
  classes: 8192, // MAX_LOCKDEP_KEYS
  dependencies: 16384, // MAX_LOCKDEP_ENTRIES (32768) / 2 list entries per dependency
  chains: 65536, // MAX_LOCKDEP_CHAINS
  depth: 48, // MAX_LOCK_DEPTH
} as const;

export interface LimitHit {
  limit: keyof typeof KERNEL_LIMITS;
  value: number;
  input: number;
  pos: number;
}

export class CapacityTracker {
  readonly hits: LimitHit[] = [];
  private hit = new Set<string>();
  maxDepth = 0;

  private check(limit: keyof typeof KERNEL_LIMITS, input: number, pos: number): void {
    if (!this.hit.has(limit)) {
      this.hit.add(limit);
      this.hits.push({ limit, value: KERNEL_LIMITS[limit], input, pos });
    }
  }

  onClass(n: number, input: number, pos: number): void {
    if (n > KERNEL_LIMITS.classes) this.check('classes', input, pos);
  }

  onDependency(n: number, input: number, pos: number): void {
    if (n > KERNEL_LIMITS.dependencies) this.check('dependencies', input, pos);
  }

  onChain(n: number, input: number, pos: number): void {
    if (n > KERNEL_LIMITS.chains) this.check('chains', input, pos);
  }

  /**
   * __lock_acquire() increments lockdep_depth and turns lockdep off when it
   * *reaches* MAX_LOCK_DEPTH ("BUG: MAX_LOCK_DEPTH too low!"): the 48th held
   * lock is already one too many. The table limits are the other way round
   * (nr_lock_classes >= MAX_LOCKDEP_KEYS is checked before adding one).
   */
  onDepth(d: number, input: number, pos: number): void {
    if (d > this.maxDepth) this.maxDepth = d;
    if (d >= KERNEL_LIMITS.depth) this.check('depth', input, pos);
  }
}
