/**
 * The ftrace decoder's fast path (FtraceTextDecoder.fastLine: one pass per
 * line, the timestamp's column guessed from the previous line, names and comms
 * confirmed against the last ones seen) must give exactly what the general
 * path (parseFtraceLine + parseBody) gives: the same events, string IDs,
 * warnings and counts, for every line, including hostile ones. Seeded
 * differential fuzzing over real lines of the bundled captures, synthetic
 * lines, hand-written edge cases and byte mutations of all of them.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.ts';
import { FtraceTextDecoder, type FtraceTextOptions } from '../../src/decode/ftrace/ftraceTextDecoder.ts';
import type { DecodedFrame } from '../../src/decode/decoder.ts';
import { generateTrace, prng } from '../../bench/generate.ts';

const xzLines = (f: string) => execFileSync('xz', ['-dc', join(ROOT, 'traces', f)], { maxBuffer: 64 << 20 }).toString('latin1').split('\n');

const EDGE = [
  '          <idle>-0       [001] d.h2.   100.000001: lock_acquire: ffff888000000001 &rq->__lock',
  '   kworker/0:1H-123     (    123) [000] ....   5.000001: lock_acquire: ffff888000000002 try read x',
  ' a: b-1 [000] d..1. 1.0: lock_release: ffff 0 name',
  'comm with spaces-77 [003] b..1.  3.5: lock_acquire: 0xabc read try name',
  'lr:   foo-1   [000]   4.000000: lock_acquire:    0xffff8880 read name',
  ':    foo-1   [000]   4.000000: lock_acquired:    0xffff8880 name',
  '  task-5 5d..1 12.000000: lock_acquire: ffff1 name',
  '  task-5   0d..1 12.000000: lock_acquire: ffff1 name',
  '  task-5 [000] ..s. 12.000000: lock_acquire: ffff1 read name',
  'CPU:1 [LOST 55 EVENTS]',
  '##### CPU 1 buffer started ####',
  '  t-1 [000] ..... 1.000000: workqueue_execute_start: work struct ffff1: function fn',
  '  t-1 [000] ..... 1.000000: workqueue_queue_work: work struct=ffff1 function=fn workqueue=wq req_cpu=1 cpu=1',
  '  t-1 [000] ..... 1.000000: tracing_mark_write: hello: world',
  '  t-1 [000] ..... 1.000000: lock_acquire: (____ptrval____) name',
  '  t-1 [000] ..... 1.000000: lock_acquire: addr try ',
  '  t-1 [000] ..... 1.000000: lock_acquire: addr\tname',
  '  t-1 [000] .....\t1.000000: lock_acquire: addr name',
  '  t-1\t[000] ..... 1.000000: lock_acquire: addr name',
  '  t-1 [000] ..... 1.0000000000001: lock_acquire: addr name',
  '  t-1 [000] ..... 1234567890123456.0: lock_acquire: addr name',
  '  t-1 [000] ..... 1: lock_acquire: addr name',
  '  t-1 [000] ..... 1.2.3: lock_acquire: addr name',
  '  t: -1 [000] ..... 1.0: lock_acquire: addr name',
  '  t-1 [0000000000000000] ..... 1.0: lock_acquire: addr name',
  '  t-1234567890123456 [000] ..... 1.0: lock_acquire: addr name',
  '  t-1 [000] .:h.. 1.0: lock_acquire: addr name',
  '  -1 [000] ..... 1.0: lock_acquire: addr name',
  '  t-1 [] ..... 1.0: lock_acquire: addr name',
  '  t-1 [000] ..... 1.0:  lock_acquire:  addr  name',
  '  t-1 [000] ..... 1.0: lock_acquire: addr name\r',
  '  t-1 [000] ..... 1.0: lock_acquire : addr name',
  '  t-1 [000] ..... 1.0: lock_acquire: addr read try name',
  '  t-1 [000] ..... 1.0: sched_switch: prev_comm=x',
  // an earlier ": " that parses as a whole context, inside a tgid: the general path takes it
  '  c-1 (y-2 [000] ..... 1.0: ) [000] ..... 2.0: lock_acquire: a n',
  '  c-1 (  12) [000] ..... 2.0: lock_acquire: a n',
  'cpus=2',
];
const INSERTS = [':', ' ', '\t', '\r', '-', '[', ']', '(', ')', '.', '0', '9', 'd', 'h', 's', 'Z', 'N', '#', 'C', 'try ', 'read ', ': ', '\n', '\u00e9', 'lock_acquire: ', 'lock_'];

const COLUMNS = ['kind', 'tsNs', 'cpu', 'pid', 'irq', 'lockFlags', 'name', 'addr', 'comm', 'aux', 'pos'] as const;
function plain(d: DecodedFrame) {
  const b = d.batch;
  return { stats: d.stats, warnings: d.warnings, strings: b.strings, stringsFrom: b.stringsFrom, length: b.length, ...Object.fromEntries(COLUMNS.map((c) => [c, Array.from(b[c])])) };
}

describe('ftrace decoder fast path', () => {
  const pools = [
    xzLines('abba.trace.txt.xz').slice(0, 20000),
    xzLines('wq_flush.trace.txt.xz').slice(0, 20000),
    [...generateTrace({ seed: 5, bytes: 300_000, cpus: 4, tasks: 12 })].join('').split('\n'),
  ];
  // trace-cmd report lines, with the instance prefix
  pools.push(pools[0].filter((l) => !l.startsWith('#')).slice(0, 5000).map((l) => `lr: ${l.replace(/ [.dDbX][.Nn][.hHsZz][.0-9a-f][.0-9a-f] /, ' ')}`));

  it('gives exactly the general path\'s result, line for line and across frames', () => {
    const rnd = prng(20261123);
    const int = (n: number) => Math.floor(rnd() * n);
    const mutate = (l: string): string => {
      for (let k = 1 + int(3); k > 0; k--) {
        const at = int(l.length + 1), r = rnd();
        if (r < 0.4) l = l.slice(0, at) + INSERTS[int(INSERTS.length)] + l.slice(at);
        else if (r < 0.7) l = l.slice(0, at) + l.slice(at + 1 + int(3));
        else l = l.slice(0, at) + INSERTS[int(INSERTS.length)] + l.slice(at + 1);
      }
      return l;
    };
    let events = 0;
    for (let round = 0; round < 1500; round++) {
      const lines: string[] = [];
      for (let n = 1 + int(40); n > 0; n--) {
        const pool = pools[int(pools.length)];
        let l = rnd() < 0.15 ? EDGE[int(EDGE.length)] : pool[int(pool.length)];
        if (rnd() < 0.5) l = mutate(l);
        lines.push(l);
      }
      const text = Buffer.from(lines.join('\n') + (rnd() < 0.8 ? '\n' : ''), rnd() < 0.5 ? 'latin1' : 'utf8');
      const instanceMode = rnd() < 0.3;
      const opts: FtraceTextOptions = {
        instanceMode,
        instance: rnd() < 0.5 ? (rnd() < 0.5 ? 'lr' : '') : undefined,
        maxLineBytes: rnd() < 0.2 ? 40 + int(80) : 1 << 20,
        customEvents: rnd() < 0.1 ? ['sched_switch', 'lock_'] : undefined,
      };
      const fast = new FtraceTextDecoder(0, opts);
      const general = new FtraceTextDecoder(0, { ...opts, fastPath: false });
      // the same decoders twice: what the fast path remembers between lines and frames must not matter
      for (let again = 0; again < 2; again++) {
        const a = fast.decode(text, 1), b = general.decode(text, 1);
        expect(plain(a), `round ${round}: ${JSON.stringify(text.toString('latin1')).slice(0, 2000)}`).toEqual(plain(b));
        events += a.batch.length;
      }
    }
    expect(events).toBeGreaterThan(20000);
  });

  it('does not take a timestamp column guessed from the line before when an earlier ": " parses', () => {
    const evil = '  c-1 (y-2 [000] ..... 1.0: ) [000] ..... 2.0: lock_acquire: a n';
    const col = evil.indexOf('2.0: ') + 3;
    const before = `${'x'.repeat(col - 18)}-1 [000] ..... 3.0: lock_acquire: a n`;
    expect(before.indexOf(': ')).toBe(col);
    const text = Buffer.from(`${before}\n${evil}\n`);
    const opts = { instanceMode: false, maxLineBytes: 1 << 20 };
    const fast = new FtraceTextDecoder(0, opts).decode(text, 1);
    expect(plain(fast)).toEqual(plain(new FtraceTextDecoder(0, { ...opts, fastPath: false }).decode(text, 1)));
    expect(fast.batch.length).toBe(1);
    expect(fast.warnings.counts).toEqual([['unparsed-line', 1]]);
  });
});
