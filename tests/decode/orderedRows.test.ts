/**
 * perf.data's round queue (src/decode/perfdata/orderedRows.ts) against a plain model of perf's
 * ordered-events (tools/perf/util/ordered-events.c): at each FINISHED_ROUND the rows up to the previous
 * round's highest time go out sorted by time, ties in the order they were read; the end flushes the rest.
 * Random rounds, with callchains (a Stack row and its frames in the pool) among the rows: both the usual
 * round (every row read since the last FINISHED_ROUND waits, moved as a block) and the others (late rows
 * of a previous round among the new ones, moved row by row) must give the model's order and frames.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventKind } from '../../src/model/eventKind.ts';
import { OrderedRows } from '../../src/decode/perfdata/orderedRows.ts';

interface Row { ts: number; id: number; frames: number[] }

/** What the model delivers: each row as `id@ts[frames]`, in delivery order. */
function model(rounds: Row[][]): string[] {
  const out: string[] = [];
  let pending: { row: Row; seq: number }[] = [];
  let seq = 0, maxTs = 0, nextFlush = 0;
  const flush = (limit: number) => {
    const go = pending.filter((p) => p.row.ts <= limit).sort((a, b) => a.row.ts - b.row.ts || a.seq - b.seq);
    pending = pending.filter((p) => p.row.ts > limit);
    for (const p of go) out.push(show(p.row));
  };
  for (const r of rounds) {
    for (const row of r) {
      pending.push({ row, seq: seq++ });
      if (row.ts > maxTs) maxTs = row.ts;
    }
    flush(nextFlush);
    nextFlush = maxTs;
  }
  flush(Infinity);
  return out;
}

const show = (r: Row) => `${r.id}@${r.ts}[${r.frames.join(',')}]`;

/** The same rounds through OrderedRows, drained after each plan as the decoder does. */
function queue(rounds: Row[][], capacity: number): string[] {
  const q = new OrderedRows(capacity);
  const out: string[] = [];
  const drain = () => {
    for (let r = q.nextRow(); r >= 0; r = q.nextRow()) {
      const b = q.draining;
      const frames: number[] = [];
      if (b.kind[r] === EventKind.Stack) {
        const pool = q.framesOf(b);
        for (let f = b.addr[r]; f < b.addr[r] + b.aux[r]; f++) frames.push(pool[f]);
      }
      out.push(show({ id: b.pos[r], ts: b.tsNs[r], frames }));
    }
  };
  for (const r of rounds) {
    for (const row of r) {
      const s = q.staged;
      const i = s.push(row.frames.length ? EventKind.Stack : EventKind.Acquire, row.ts, 0, 1, 0, row.id);
      if (row.frames.length) {
        s.addr[i] = q.framesEnd;
        for (const f of row.frames) q.addFrame(f);
        s.aux[i] = q.framesEnd - s.addr[i];
      }
      q.noteTime(row.ts);
    }
    q.round();
    drain();
  }
  q.final();
  drain();
  return out;
}

/** Rounds whose times mostly rise, as perf record's passes over the CPU buffers give, with some late rows. */
const roundsArb = fc.array(
  fc.array(fc.record({ dt: fc.integer({ min: -30, max: 40 }), frames: fc.nat({ max: 4 }) }), { maxLength: 40 }),
  { minLength: 1, maxLength: 12 },
).map((rounds) => {
  let t = 1000, id = 0;
  return rounds.map((r, k) => r.map(({ dt, frames }) => {
    t = Math.max(1, t + dt);
    const n = id++;
    // a round's rows start a little after the previous round's (perf drains each CPU in turn)
    return { ts: t + k * 50, id: n, frames: Array.from({ length: frames }, (_, j) => n * 10 + j) };
  }));
});

describe('OrderedRows (perf.data FINISHED_ROUND order)', () => {
  it('delivers what perf ordered-events delivers, with each callchain\'s frames, whatever the capacity', () => {
    fc.assert(fc.property(roundsArb, fc.constantFrom(1, 4, 256), (rounds, capacity) => {
      expect(queue(rounds, capacity)).toEqual(model(rounds));
    }), { numRuns: 400 });
  });

  it('the usual round (all rows read since the last FINISHED_ROUND wait) and a late row among them', () => {
    const r = (ts: number, id: number, frames: number[] = []) => ({ ts, id, frames });
    // round 2's rows all wait at its FINISHED_ROUND (limit: round 1's highest time, 30): a block
    const usual = [[r(10, 0, [1, 2]), r(30, 1), r(20, 2, [3])], [r(40, 3, [4]), r(35, 4), r(50, 5, [5, 6])], [r(60, 6)]];
    expect(queue(usual, 4)).toEqual(model(usual));
    expect(queue(usual, 4)[0]).toBe('0@10[1,2]');
    // a row of round 3 older than round 2's limit: it goes out with round 2's, the others wait row by row
    const late = [[r(10, 0), r(30, 1, [1])], [r(40, 2, [2, 3]), r(45, 3)], [r(25, 4, [4]), r(50, 5, [5])], []];
    expect(queue(late, 4)).toEqual(model(late));
  });
});
