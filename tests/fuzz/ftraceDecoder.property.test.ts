/**
 * Properties of the ftrace text decoder (and the replay behind it):
 *  - round trip: lines printed in the kernel's exact layout decode to exactly
 *    the generated events (kind, timestamp, cpu, pid, irq bits, try/read,
 *    address, name, comm, line number), whatever the chunk/frame sizes;
 *  - hostile bytes: mutated inputs (bit flips, truncation, garbage, NULs,
 *    invalid UTF-8, long lines, shuffled lines, CRLF) never throw anything but
 *    InputError and always end in a result (possibly with warnings).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KIND_OF, HEADER, classify, decodeBytes, eventsOf, formatTrace, irqOfFlags, mutate, mutationArb, nestedTraceArb, traceArb } from './traceGen.ts';
import { EventKind } from '../../src/model/eventKind.ts';

const HEADER_LINES = HEADER.split('\n').length;

describe('ftrace text decoder: round trip of kernel-format lines', () => {
  it('decodes exactly the generated events, for any chunk and frame size', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 64, max: 8192 }), async (events, chunk, frameBytes) => {
        const run = await decodeBytes(Buffer.from(formatTrace(events), 'utf8'), { chunk, frameBytes, maxLineBytes: 1 << 16 });
        const got = eventsOf(run);
        const want = events
          .map((e, i) => ({ e, line: HEADER_LINES + i + 1 }))
          .filter(({ e }) => e.kind !== 'other')
          .map(({ e, line }) => ({
            kind: KIND_OF[e.kind],
            tsNs: e.sec * 1e9 + e.usec * 1000,
            cpu: e.cpu,
            pid: e.pid,
            irq: irqOfFlags(e.flags),
            lockFlags: e.kind === 'acquire' ? e.lockFlags : 0,
            name: e.name,
            addr: e.addr,
            comm: e.comm,
            pos: line,
          }));
        expect(got).toEqual(want);
        expect(run.warnings.counts.size).toBe(0);
        const lines = run.frames.reduce((n, f) => n + f.stats.lines, 0);
        const others = run.frames.reduce((n, f) => n + f.stats.otherEvents, 0);
        expect(lines).toBe(HEADER_LINES + events.length);
        expect(others).toBe(events.filter((e) => e.kind === 'other').length);
      }),
      { numRuns: 300 },
    );
  });

  it('replays well-nested traces with every acquire released and nothing held at the end', async () => {
    await fc.assert(
      fc.asyncProperty(nestedTraceArb, async (events) => {
        const run = await decodeBytes(Buffer.from(formatTrace(events)), { replay: true });
        const r = run.replayer!;
        expect(r.counters.acquires).toBe(events.filter((e) => e.kind === 'acquire').length);
        expect(r.counters.releases).toBe(events.filter((e) => e.kind === 'release').length);
        expect(run.warnings.count('held-at-end')).toBe(0);
        expect(run.warnings.count('unheld-release')).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});

describe('ftrace text decoder + replay: hostile bytes', () => {
  it('mutated traces give a result with warnings or an InputError, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(traceArb, nestedTraceArb),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 2048 }),
        async (events, muts, chunk) => {
          const input = mutate(Buffer.from(formatTrace(events)), muts);
          let run: Awaited<ReturnType<typeof decodeBytes>> | undefined;
          const r = await classify(async () => {
            run = await decodeBytes(input, { chunk, frameBytes: 512, maxLineBytes: 1024, replay: true });
          });
          if (r.outcome === 'crash') throw r.error;
          if (run) {
            // every line is accounted for: decoded, header, other event, or warned about
            const lines = run.frames.reduce((n, f) => n + f.stats.lines, 0);
            expect(lines).toBeLessThanOrEqual(input.length + 1);
            for (const ev of eventsOf(run)) {
              expect(ev.pos).toBeGreaterThanOrEqual(1);
              expect(ev.pos).toBeLessThanOrEqual(lines);
              if (ev.kind === EventKind.Acquire) expect(ev.name.length).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('random bytes are never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const r = await classify(() => decodeBytes(Buffer.from(bytes), { chunk: 97, frameBytes: 256, maxLineBytes: 512, replay: true }));
        if (r.outcome === 'crash') throw r.error;
      }),
      { numRuns: 300 },
    );
  });

  it('a line over the limit is one long-line warning at its own line number, the rest still decodes', async () => {
    await fc.assert(
      fc.asyncProperty(nestedTraceArb, fc.integer({ min: 1100, max: 20000 }), fc.integer({ min: 1, max: 3000 }), async (events, longLen, chunk) => {
        const text = formatTrace(events).split('\n');
        const at = HEADER_LINES; // the long line becomes line HEADER_LINES + 1
        text.splice(at, 0, 'x'.repeat(longLen));
        const run = await decodeBytes(Buffer.from(text.join('\n')), { chunk, frameBytes: 700, maxLineBytes: 1024 });
        expect(run.warnings.count('long-line')).toBe(1);
        expect(run.warnings.first.get('long-line')![0].pos).toBe(at + 1);
        expect(eventsOf(run).length).toBe(events.length);
        expect(eventsOf(run)[0].pos).toBe(at + 2);
      }),
      { numRuns: 100 },
    );
  });
});
