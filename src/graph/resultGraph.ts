/**
 * The graph a report was judged from, kept beside the report object (not in
 * it: the report schema stays as it is), so renderers that draw
 * neighbourhoods (report/html) can reach the whole graph when there is one.
 */
import type { ReplayResult } from '../report/result.ts';
import type { GraphFile } from './graphFile.ts';

const GRAPHS = new WeakMap<ReplayResult, GraphFile>();

export function attachGraph(result: ReplayResult, graph: GraphFile): void {
  GRAPHS.set(result, graph);
}

export function graphOf(result: ReplayResult): GraphFile | undefined {
  return GRAPHS.get(result);
}
