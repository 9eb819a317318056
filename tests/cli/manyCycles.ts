/** A trace with many independent ABBA pairs: reports, graphs and comparisons far bigger than a pipe's buffer. */
import { MiniTrace, task } from '../helpers/miniTrace.ts';

export function manyCycles(pairs: number): string {
  const a = task('lr1_many', 100, 0), b = task('lr2_many', 101, 1);
  const t = new MiniTrace();
  for (let i = 0; i < pairs; i++) {
    const x = `lr_many_a${i}`, y = `lr_many_b${i}`;
    t.acq(a, x).acq(a, y).rel(a, y).rel(a, x).acq(b, y).acq(b, x).rel(b, x).rel(b, y);
  }
  return t.text();
}
