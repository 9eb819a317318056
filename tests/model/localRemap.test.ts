/**
 * LocalRemap turns a decoder's local string IDs into the run's global ones.
 * The first input of a run interns into an empty table, so its IDs are already
 * global and batches are left as they are; a later input whose strings the
 * table already holds gets every string column rewritten, aux only for
 * workqueue-queue events (elsewhere aux is a count).
 */
import { describe, expect, it } from 'vitest';
import { BatchBuilder, type EventBatch } from '../../src/model/batch.ts';
import { EventKind } from '../../src/model/eventKind.ts';
import { GlobalStrings, LocalRemap } from '../../src/model/globalStrings.ts';

/** A batch of events (kind, name, addr, comm, aux) with the given new local strings. */
function batch(seq: number, stringsFrom: number, strings: string[], rows: [number, number, number, number, number][]): EventBatch {
  const bb = new BatchBuilder(4);
  for (const [kind, name, addr, comm, aux] of rows) {
    const i = bb.push(kind, 0, 0, 1, 0, 0);
    bb.name[i] = name;
    bb.addr[i] = addr;
    bb.comm[i] = comm;
    bb.aux[i] = aux;
  }
  return bb.finish(seq, 0, stringsFrom, strings);
}

const texts = (g: GlobalStrings, b: EventBatch) =>
  Array.from({ length: b.length }, (_, i) => [g.text(b.name[i]), g.text(b.addr[i]), g.text(b.comm[i]), b.kind[i] === EventKind.WqQueue ? g.text(b.aux[i]) : b.aux[i]]);

describe('LocalRemap', () => {
  it('leaves the first input untouched (its local IDs are the global ones) and rewrites a later one', () => {
    const g = new GlobalStrings();
    const first = new LocalRemap(g);
    const a = batch(0, 1, ['&a->lock', '0xff01', 'kworker/0:1'], [[EventKind.Acquire, 1, 2, 3, 7]]);
    const columns = [a.name, a.addr, a.comm, a.aux];
    first.apply(a);
    expect([a.name, a.addr, a.comm, a.aux]).toEqual(columns);
    expect(texts(g, a)).toEqual([['&a->lock', '0xff01', 'kworker/0:1', 7]]);

    // A second input: its local 1 and 2 are strings the run already has under other IDs.
    const second = new LocalRemap(g);
    const b = batch(0, 1, ['events', 'kworker/0:1', '&a->lock', '0xff02'], [
      [EventKind.Acquire, 3, 4, 2, 5],
      [EventKind.WqQueue, 3, 4, 2, 1],
    ]);
    second.apply(b);
    expect(texts(g, b)).toEqual([
      ['&a->lock', '0xff02', 'kworker/0:1', 5],
      ['&a->lock', '0xff02', 'kworker/0:1', 'events'],
    ]);
    // and its later batches (no new strings) are rewritten too
    const c = batch(1, 5, [], [[EventKind.Release, 3, 4, 2, 0]]);
    second.apply(c);
    expect(texts(g, c)).toEqual([['&a->lock', '0xff02', 'kworker/0:1', 0]]);
  });

  it('starts rewriting from the first batch whose strings the table already had', () => {
    const g = new GlobalStrings();
    g.intern('&b->lock'); // global 1, e.g. from a rules file or an earlier input
    const r = new LocalRemap(g);
    const a = batch(0, 1, ['&a->lock'], [[EventKind.Acquire, 1, 0, 0, 0]]);
    r.apply(a);
    expect(g.text(a.name[0])).toBe('&a->lock');
    const b = batch(1, 2, ['&b->lock'], [[EventKind.Acquire, 2, 1, 0, 0]]);
    r.apply(b);
    expect([g.text(b.name[0]), g.text(b.addr[0])]).toEqual(['&b->lock', '&a->lock']);
  });
});
