/**
 * Bounded resources: hostile sizes complete, with bounded memory, and say what
 * they dropped through the limit warnings ('long-line', 'depth-limit',
 * 'cycle-limit'). Inputs are streamed from generators, never written whole.
 * Heavier variants run in `npm run fuzz -- --heavy` (tests/fuzz/streams.ts).
 * The CLI's peak RSS on each (/usr/bin/time -v) is in README.md, Fuzzing and
 * hostile input; tests assert structure and warnings, never time.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPLAY_OPTIONS } from '../../src/replay/replayer.ts';
import { EVIDENCE_HELD } from '../../src/graph/evidence.ts';
import { HEADER } from '../fuzz/traceGen.ts';
import { chooseCycles } from '../../src/analysis/cycleChoice.ts';
import { replayText } from '../helpers/miniTrace.ts';
import { chunksOf, cycleRich, deepContext, distinctNames, giantLine, line, replayStream } from '../fuzz/streams.ts';
import { assertCleanStderr, runCli } from './cli.ts';

describe('bounded resources', () => {
  it('a single 1 GB line is one long-line warning, costs about the line limit in memory, and the next line still decodes', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const r = await replayStream(giantLine(1 << 30, (i) => {
      if ((i & 63) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }));
    const headerLines = HEADER.split('\n').length;
    expect(r.warnings.count('long-line')).toBe(1);
    expect(r.warnings.first.get('long-line')![0].pos).toBe(headerLines + 2);
    expect(r.replayer.counters.acquires).toBe(1);
    expect(r.replayer.counters.releases).toBe(1); // the line after the giant one, at its true line number
    expect(r.warnings.count('held-at-end')).toBe(0);
    expect(r.lines).toBe(headerLines + 3);
    expect(peak - before).toBeLessThan(256 << 20); // bounded: nowhere near the 1 GB of the line
  });

  it('the CLI reading a 256 MB line from stdin (a child producing it) warns long-line and exits cleanly', async () => {
    const r = await runCli(['replay', '--format', 'json', '-'], {
      stdin: async (w) => {
        const write = (b: Buffer | string) => new Promise<void>((res) => (w.write(b) ? res() : w.once('drain', () => res())));
        await write(HEADER + '\n' + line(0, 1, 'lock_acquire', 'ffff888000000001', 'a') + '\n');
        const chunk = Buffer.alloc(1 << 20, 0x42);
        for (let i = 0; i < 256; i++) await write(chunk);
        await write('\n' + line(1, 1, 'lock_release', 'ffff888000000001', 'a') + '\n');
      },
    });
    expect(r.code).toBe(0);
    assertCleanStderr(r, false);
    const rep = JSON.parse(r.stdout) as { stats: { events: number }; warnings: { kind: string; count: number; first: { line: number }[] }[] };
    const w = rep.warnings.find((x) => x.kind === 'long-line');
    expect(w?.count).toBe(1);
    expect(w?.first[0].line).toBe(HEADER.split('\n').length + 2);
    expect(rep.stats.events).toBe(2);
  });

  it('250,000 distinct lock names (a million in npm run fuzz -- --heavy): every one a class, nothing held at the end', async () => {
    const N = 250_000;
    const r = await replayStream(chunksOf(distinctNames(N)));
    expect(r.replayer.counters.acquires).toBe(N);
    expect(r.replayer.classes.count).toBeGreaterThanOrEqual(N);
    expect(r.warnings.count('held-at-end')).toBe(0);
    expect(r.warnings.counts.size).toBe(0);
  });

  it('a context holding 10,000 locks: held stack capped at maxDepth with depth-limit warnings', async () => {
    const N = 10_000;
    const maxDepth = DEFAULT_REPLAY_OPTIONS.maxDepth;
    const r = await replayStream(chunksOf(deepContext(N)));
    expect(maxDepth).toBeLessThan(N);
    expect(r.warnings.count('depth-limit')).toBe(N - maxDepth);
    expect(r.replayer.capacity.maxDepth).toBeLessThanOrEqual(maxDepth);
    expect(r.warnings.count('held-at-end')).toBe(0);
    // the acquisitions past the limit were expected to be released: no unheld-release noise
    expect(r.warnings.count('unheld-release')).toBe(0);
    // nothing dropped silently: every acquisition was chained (past the limit, to the deepest kept lock)
    const g = r.replayer.graph;
    expect(g.size).toBe(N - 1);
    // and each dependency costs O(48), not O(depth): that was the N² memory (1.3 GB at N = 10,000)
    for (let e = 0; e < g.size; e++) {
      const ev = g.first[e];
      expect(ev.held.length).toBeLessThanOrEqual(EVIDENCE_HELD);
      expect(ev.held.length + (ev.heldOmitted ?? 0)).toBe(Math.min(e + 1, maxDepth));
      expect((g.gates[e] ?? []).length).toBeLessThanOrEqual(2 * EVIDENCE_HELD);
    }
  });

  it('a cycle-rich graph (60 classes nested in both orders) gives one cycle per closing dependency, the shortest', async () => {
    const K = 60;
    const r = await replayStream(chunksOf(cycleRich(K)));
    const g = r.replayer.graph;
    expect(g.size).toBe(K * (K - 1));
    // b -> a closes the cycle a -> b -> a for every pair: half the dependencies
    expect(g.closing.length).toBe((K * (K - 1)) / 2);
    const { chosen, limitHits } = chooseCycles(r.replayer);
    expect(chosen.length).toBe(g.closing.length);
    expect(chosen.every((c) => c.cycle.edges.length === 2 && c.judgement.verdict === 'deadlock')).toBe(true);
    expect(limitHits).toBe(0);
  });

  it('where every cycle is benign (one gate around all), the search for a deadlock stops at its limit and says so', async () => {
    const K = 20;
    const gen = [...cycleRich(K, true)];
    const r = await replayStream(chunksOf(gen));
    const { chosen, limitHits } = chooseCycles(r.replayer);
    expect(chosen.length).toBe(r.replayer.graph.closing.length);
    expect(chosen.every((c) => c.judgement.verdict === 'benign')).toBe(true);
    expect(limitHits).toBeGreaterThan(0);
    // ... and the report carries it as the 'cycle-limit' warning, counted per closing dependency.
    const result = await replayText(gen.join('\n') + '\n');
    expect(result.warnings.find((w) => w.kind === 'cycle-limit')?.count).toBe(limitHits);
  });
});
