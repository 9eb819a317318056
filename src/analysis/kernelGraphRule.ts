/**
 * The kernel's own graph as a check on the replay's verdicts (`replay
 * --lockdep /proc/lockdep [--lockdep-stats /proc/lockdep_stats]`).
 *
 * While lockdep is on, every real acquisition of a checked lock under a held
 * checked lock adds prev -> next to the graph (check_prevs_add() ->
 * check_prev_add()), and nothing but zap_class() removes it. So a replayed
 * dependency the dump does not have (decode/lockdep/kernelGraph: 'absent': both
 * classes listed, no path, no room for an unprinted entry) was never recorded
 * by lockdep: if every observation of it fell while lockdep was on, the held
 * entry it was recorded from was stale each time.
 *  - Recorded only from uncertain held state, or without irq flags (it may join
 *    an interrupt's lock to the task's): refuted (its cycle is `benign`).
 *  - Recorded with certain held state: not refuted (the replay's certainty says
 *    otherwise): a discrepancy, named in the finding's caveats; a `deadlock`
 *    never changes verdict here.
 *
 * lockdep is on while debug_locks is 1 (lock_acquire() -> lockdep_enabled()).
 * With `debug_locks: 0` in the stats (or no stats), it turned itself off at its
 * first report (debug_locks_off()); a dependency counts only if all of its
 * observations are known to come before the earliest moment the replay shows
 * anything lockdep reports (firstReportBoundNs()), i.e. it was seen once, then.
 */
import type { Replayer } from '../replay/replayer.ts';
import type { KernelEdgeStatus } from '../decode/lockdep/kernelGraph.ts';
import { dependencyNames, mayJoinInterrupt } from './dependencyFacts.ts';

export interface KernelGraphCheck {
  /** Dependencies recorded only from uncertain state that lockdep never recorded. */
  refuted: number[];
  /** Dependencies recorded with certain state that lockdep never recorded (discrepancies). */
  missing: number[];
}

const NONE: KernelGraphCheck = { refuted: [], missing: [] };

/** Per replay: each dependency's status in the kernel's graph (it depends only on the two names). */
const statusCache = new WeakMap<Replayer, Map<number, KernelEdgeStatus>>();

function edgeStatus(r: Replayer, e: number): KernelEdgeStatus {
  const kg = r.opts.kernelGraph!;
  let m = statusCache.get(r);
  if (!m) statusCache.set(r, (m = new Map()));
  let s = m.get(e);
  if (s === undefined) m.set(e, (s = kg.status(r.classes.displayName(r.graph.from[e]), r.classes.displayName(r.graph.to[e]))));
  return s;
}

/** What the kernel's graph (r.opts.kernelGraph) says about the dependencies `edges` of one finding. */
export function checkAgainstKernel(r: Replayer, edges: readonly number[]): KernelGraphCheck {
  const kg = r.opts.kernelGraph;
  if (!kg) return NONE;
  const g = r.graph;
  let out: KernelGraphCheck | undefined;
  for (const e of edges) {
    if (edgeStatus(r, e) !== 'absent') continue;
    // Without irq flags a certain observation may still join an interrupt's lock to the task's (trap 2):
    // lockdep keeps those contexts apart (check_prevs_add() stops at an irq_context change), so the
    // kernel lacking it refutes the join just as it refutes a stale held entry.
    const certain = g.cleanCount[e] > 0 && !mayJoinInterrupt(r, e);
    if (!kg.onAtDump) {
      // debug_locks 0 (or unknown): only what lockdep surely saw while on.
      const bound = firstReportBoundNs(r);
      const at = certain ? (g.firstClean[e] ?? g.first[e]).tsNs : g.first[e].tsNs;
      if (!(at < bound) || (!certain && g.count[e] !== 1)) continue;
    }
    out ??= { refuted: [], missing: [] };
    (certain ? out.missing : out.refuted).push(e);
  }
  return out ?? NONE;
}

const boundCache = new WeakMap<Replayer, { size: number; events: number; ns: number }>();

/**
 * A lower bound of when lockdep could first have reported in this capture: the
 * earliest of the first observation of any dependency that closes a cycle
 * (check_noncircular() reports as it is added), any same-class re-acquisition
 * (check_deadlock()), any inconsistent usage (mark_lock() -> valid_state()),
 * and the moment some class was irq-safe and some class irq-unsafe at once
 * (check_irq_usage() needs both). A report the capture cannot show at all
 * (in lost events, or one the replay has no finding for: an unlock imbalance,
 * a capacity overflow) is not bounded here: see docs/rules.md. Infinity when
 * none. Cached per replay state (a live replay goes on growing).
 */
export function firstReportBoundNs(r: Replayer): number {
  const g = r.graph;
  const c = boundCache.get(r);
  if (c && c.size === g.size && c.events === r.counters.events) return c.ns;
  let ns = Infinity;
  for (const e of g.closing) ns = Math.min(ns, g.first[e].tsNs);
  for (const rc of r.recursions) ns = Math.min(ns, rc.next.tsNs);
  for (const u of r.usage.inconsistencies) ns = Math.min(ns, u.newEvidence.tsNs);
  let used = Infinity, enabled = Infinity;
  for (const [k, ev] of r.usage.firstSet) {
    // Key: class * 8 + bit index; USED_IN_* are indexes 0, 1, 4, 5 (irqUsage USAGE_NAMES), ENABLED_* 2, 3, 6, 7.
    if ((k & 2) === 0) used = Math.min(used, ev.tsNs);
    else enabled = Math.min(enabled, ev.tsNs);
  }
  ns = Math.min(ns, Math.max(used, enabled));
  boundCache.set(r, { size: g.size, events: r.counters.events, ns });
  return ns;
}

/** A cycle's reason when the kernel's graph refutes some of its uncertain dependencies. */
export function kernelRefutationReason(r: Replayer, refuted: number[]): string {
  const one = refuted.length === 1;
  const blind = refuted.filter((e) => r.graph.cleanCount[e] > 0);
  return `refuted-by-kernel-graph: ${dependencyNames(r, refuted)} ${one ? 'was' : 'were'} recorded only from held entries of uncertain state` +
    (blind.length ? ` or without irq flags (${dependencyNames(r, blind)})` : '') +
    `, and lockdep never recorded ${one ? 'it' : 'them'}: ${r.opts.kernelGraph!.source} lists both classes with no path between them ` +
    `(check_prev_add() records every real one while lockdep is on), so ${blind.length ? 'each was a stale held entry or an interrupt\'s lock counted on the task' : `the held ${one ? 'entry was' : 'entries were'} stale`}`;
}

/** A finding's caveat when the kernel's graph lacks dependencies the replay recorded with certain held state. */
export function kernelDiscrepancyCaveat(r: Replayer, missing: number[]): string {
  return `kernel graph discrepancy: ${r.opts.kernelGraph!.source} has no path for ${dependencyNames(r, missing)}, ` +
    `which the replay recorded with certain held state (not a refutation; compare-lockdep classifies such differences)`;
}
