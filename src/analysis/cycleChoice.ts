/**
 * Which cycle each closing dependency reports. lockdep reports, for the
 * dependency it is adding, the shortest path back (check_noncircular() ->
 * __bfs()) and nothing else; one finding per closing dependency keeps the
 * report to what a kernel developer reads in a splat, where enumerating every
 * simple cycle gave thousands of near-identical ones on a lossy capture.
 *
 * The shortest cycle is not always the one that matters: it may rest on a
 * dependency recorded while held state was unknown, or be benign (a gate lock,
 * a recursive read), while a longer cycle through the same dependency is a
 * real deadlock. So the choice, shortest first within each step:
 *  1. the first cycle judged `deadlock`, looking only at dependencies that can
 *     be proof (recorded with certain held state and with irq flags);
 *  2. else, over every dependency, the first cycle judged `unverified`
 *     (possibly real beats proven harmless);
 *  3. else the shortest (benign) one.
 * Each step looks at most at CANDIDATES cycles within STEP_BUDGET steps; when
 * a search stops early it is counted ('cycle-limit').
 */
import type { Replayer } from '../replay/replayer.ts';
import { CyclePathScratch, cyclesClosedBy, type CycleRecord, type CyclePathSearch } from '../graph/cyclePaths.ts';
import { cycleVerdict, type CycleJudgement } from './verdicts.ts';
import { mayJoinInterrupt } from './dependencyFacts.ts';

/** Cycles weighed per closing dependency and step. */
const CANDIDATES = 64;
/** Walk steps per closing dependency and step (simple paths can be exponential in number). */
const STEP_BUDGET = 20_000;

export interface ChosenCycle {
  cycle: CycleRecord;
  judgement: CycleJudgement;
}

export interface CycleChoices {
  chosen: ChosenCycle[];
  /** Closing dependencies whose search stopped at its limit before it was complete. */
  limitHits: number;
}

export function chooseCycles(r: Replayer): CycleChoices {
  const chosen: ChosenCycle[] = [];
  let limitHits = 0;
  const scratch = new CyclePathScratch();
  for (const e of r.graph.closing) {
    const search: CyclePathSearch = { truncated: false };
    const pick = chooseCycle(r, e, scratch, search);
    if (search.truncated) limitHits++;
    if (pick) chosen.push(pick);
  }
  return { chosen, limitHits };
}

/** How a candidate cycle is judged (cycleVerdict, or graph/crossCapture's rules for a union of captures). */
export type CycleJudge = (r: Replayer, c: CycleRecord) => CycleJudgement;

/**
 * The cycle reported for closing dependency e, by the steps above. `keep`
 * leaves candidates out altogether (e.g. a union's cycles that one capture
 * already shows by itself).
 */
export function chooseCycle(
  r: Replayer, e: number, scratch: CyclePathScratch, search: CyclePathSearch,
  judge: CycleJudge = cycleVerdict, keep: (c: CycleRecord) => boolean = () => true,
): ChosenCycle | undefined {
  const g = r.graph;
  const canProve = (x: number) => g.cleanCount[x] > 0 && !mayJoinInterrupt(r, x);
  const how = { judge, keep };
  let pick = canProve(e) ? firstJudged(r, e, canProve, search, scratch, how, (v) => v === 'deadlock') : undefined;
  if (!pick) {
    const fallback: { first?: ChosenCycle } = {};
    pick = firstJudged(r, e, () => true, search, scratch, how, (v) => v !== 'benign', fallback) ?? fallback.first;
  }
  return pick;
}

/**
 * The first cycle closed by e over `usable` dependencies whose verdict is
 * wanted; the first cycle seen at all is left in `fallback.first`.
 */
function firstJudged(
  r: Replayer, e: number, usable: (dep: number) => boolean, search: CyclePathSearch, scratch: CyclePathScratch,
  how: { judge: CycleJudge; keep: (c: CycleRecord) => boolean },
  wanted: (v: CycleJudgement['verdict']) => boolean,
  fallback?: { first?: ChosenCycle },
): ChosenCycle | undefined {
  let n = 0;
  for (const edges of cyclesClosedBy(r.graph, e, usable, STEP_BUDGET, search, scratch)) {
    const cycle = canonicalCycle(r, edges, e);
    if (!how.keep(cycle)) continue;
    const judgement = how.judge(r, cycle);
    if (fallback && !fallback.first) fallback.first = { cycle, judgement };
    if (wanted(judgement.verdict)) return { cycle, judgement };
    if (++n >= CANDIDATES) {
      search.truncated = true;
      break;
    }
  }
  return undefined;
}

/** The cycle of dependencies `edges` (each from the previous one's target), rotated to start at its least class name. */
function canonicalCycle(r: Replayer, edges: readonly number[], closing: number): CycleRecord {
  const g = r.graph, names = r.classes;
  let start = 0;
  for (let k = 1; k < edges.length; k++) {
    const a = names.displayName(g.from[edges[k]]), b = names.displayName(g.from[edges[start]]);
    if (a < b || (a === b && g.from[edges[k]] < g.from[edges[start]])) start = k;
  }
  const ed = [...edges.slice(start), ...edges.slice(0, start)];
  return { classes: ed.map((x) => g.from[x]), edges: ed, closingEdge: closing };
}
