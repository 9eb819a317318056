/**
 * The title syzbot would give the splat of a finding, so findings can be
 * matched against syzbot and mailing-list reports. syzkaller's
 * pkg/report/linux.go titles lockdep splats from the `at:` function of the
 * acquisition lockdep was validating: "possible deadlock in %s" for circular,
 * recursive, irq lock inversion and irq-safe -> irq-unsafe splats, and
 * "inconsistent lock state in %s" for inconsistent usage (the `takes:` line).
 * lockdep's `at:` is the acquire ip, the caller of the lock API: here, the
 * first frame of the acquisition's stack left after skipping the frames of
 * lockdep, the locking primitives and the allocators, with the skip patterns
 * of syzkaller's linuxStackParams (the locking, lockdep and allocator ones).
 * Without a stack there is no title.
 */
import type { EvidenceOut, Finding } from './findings.ts';

const SKIP = new RegExp([
  'lockdep', 'perf_trace', 'trace_event_raw_event_', 'lock_acquire', 'lock_release', 'lock_class', 'mark_lock',
  '(reacquire|mark)_held_locks', 'raw_spin_rq', 'spin_lock', 'spin_trylock', 'spin_unlock', 'read_lock',
  'read_trylock', 'write_lock', 'write_trylock', 'read_unlock', 'write_unlock', '^down$', 'down_read', 'down_write',
  'down_trylock', 'up_read', 'up_write', '^mutex_', '^__mutex_', '^rt_mutex_', 'owner_on_cpu', 'osq_lock',
  'osq_unlock', 'bh_enable', 'bh_disable', 'alloc_page', 'k?v?(?:m|z|c)alloc', 'krealloc', 'kmem_cache',
  'allocate_slab', 'slab_',
].join('|'));

/** The function of a frame as stackOut() prints it (`func+0xoff/0xsize [module]`); undefined for a bare address. */
function funcOf(frame: string): string | undefined {
  if (frame.startsWith('0x') || frame.startsWith('… ')) return undefined;
  const m = /^[A-Za-z0-9_.$@]+/.exec(frame);
  return m?.[0];
}

/** The acquiring function of a stack, as lockdep's `at:` names it; undefined without one. */
export function acquiringFunction(stack: string[] | undefined): string | undefined {
  for (const frame of stack ?? []) {
    const fn = funcOf(frame);
    if (fn === undefined) return undefined;
    if (!SKIP.test(fn)) return fn;
  }
  return undefined;
}

const later = (a: EvidenceOut, b: EvidenceOut): boolean => (a.line ?? a.byte ?? 0) > (b.line ?? b.byte ?? 0);

/** The acquisition lockdep would have been validating when it printed the splat. */
function validating(f: Finding): EvidenceOut | undefined {
  switch (f.kind) {
    case 'circular-dependency': {
      const d = f.dependencies[f.closingDependency ?? f.dependencies.length - 1];
      return d?.first; // its first record is the one that closed the cycle
    }
    case 'recursive-locking':
    case 'inconsistent-irq-state':
      return f.evidence?.[1]?.at;
    case 'irq-safe-unsafe': {
      let last: EvidenceOut | undefined;
      for (const d of f.dependencies) {
        const e = d.firstClean ?? d.first;
        if (!last || later(e, last)) last = e;
      }
      return last;
    }
  }
}

export function syzbotTitle(f: Finding): string | undefined {
  const fn = acquiringFunction(validating(f)?.stack);
  if (fn === undefined) return undefined;
  return f.kind === 'inconsistent-irq-state' ? `inconsistent lock state in ${fn}` : `possible deadlock in ${fn}`;
}

/** Sets `syzbotTitle` on every finding that has one. */
export function addSyzbotTitles(findings: Finding[]): void {
  for (const f of findings) {
    const title = syzbotTitle(f);
    if (title) f.syzbotTitle = title;
  }
}
