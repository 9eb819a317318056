/**
 * Bounded, shared copies of a held stack for what outlives the event: the
 * `held` list of an evidence record and the gate candidates of a dependency.
 *
 * Bounded: at most EVIDENCE_HELD (lockdep's MAX_LOCK_DEPTH, 48) entries each,
 * so a dependency costs the same at depth 10,000 as at depth 3 (graph/evidence).
 * Shared: while a context nests deeper and deeper, every new dependency and
 * every usage mark would copy the same window again; a copy is reused as long
 * as the stack below it is unchanged. "Unchanged" is the stack's own chain
 * key of the window's top entry (HeldStack.chainLo/chainHi,
 * lookup_chain_cache_add()'s chain_key in spirit), which covers every class,
 * instance and flag under it: the same test the chain cache already relies
 * on. Copies are never mutated after they are handed out (DependencyGraph
 * replaces a narrowed gate list).
 */
import { EVIDENCE_HELD, heldFrom } from '../graph/evidence.ts';
import { HeldFlags, type HeldStack } from './heldStack.ts';

const NONE: number[] = [];

export class HeldSnapshots {
  private heldOf: HeldStack | undefined;
  private heldDepth = -1;
  private heldChainLo = 0;
  private heldChainHi = 0;
  private held: number[] = NONE;
  private gatesOf: HeldStack | undefined;
  private gatesN = -1;
  private gatesChainLo = 0;
  private gatesChainHi = 0;
  private gates: number[] = NONE;

  /** Classes of entries [heldFrom(depth), depth) of st, bottom to top. */
  heldClasses(st: HeldStack, depth: number): number[] {
    if (depth === 0) return NONE;
    const lo = st.chainLo[depth - 1], hi = st.chainHi[depth - 1];
    if (st !== this.heldOf || depth !== this.heldDepth || lo !== this.heldChainLo || hi !== this.heldChainHi) {
      this.heldOf = st;
      this.heldDepth = depth;
      this.heldChainLo = lo;
      this.heldChainHi = hi;
      this.held = Array.from(st.cls.subarray(heldFrom(depth), depth));
    }
    return this.held;
  }

  /**
   * (class, instance) pairs of the validated entries below entry k, at most
   * the outermost EVIDENCE_HELD: the window lockdep's own held_locks[] could
   * hold. A gate is an outer lock taken around both sides of a cycle; past the
   * window a deeper stack finds fewer gates, never more, so no cycle is called
   * benign on a lock that was not seen held at every recording.
   */
  gatePairs(st: HeldStack, k: number): number[] {
    const n = k < EVIDENCE_HELD ? k : EVIDENCE_HELD;
    if (n === 0) return NONE;
    const lo = st.chainLo[n - 1], hi = st.chainHi[n - 1];
    if (st !== this.gatesOf || n !== this.gatesN || lo !== this.gatesChainLo || hi !== this.gatesChainHi) {
      const out: number[] = [];
      for (let j = 0; j < n; j++) if (!(st.flags[j] & HeldFlags.Unvalidated)) out.push(st.cls[j], st.inst[j]);
      this.gatesOf = st;
      this.gatesN = n;
      this.gatesChainLo = lo;
      this.gatesChainHi = hi;
      this.gates = out.length ? out : NONE;
    }
    return this.gates;
  }
}
