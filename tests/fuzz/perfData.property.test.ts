/**
 * Properties of the perf.data decoder, on files written by tests/fuzz/perfDataGen.ts in perf's own
 * layout (file and pipe mode, with and without callchains):
 *  - round trip: the decoder gives back exactly the generated events in perf's order (by time, ties in
 *    file order, across CPU buffers and FINISHED_ROUNDs), with their irq bits from common_flags, comms from
 *    COMM records (":pid" otherwise, as perf script), lost records as Lost events, and perf's start-up window
 *    (acquisitions before a CPU's first lock_release uncertain, a buffer-started marker before it), and
 *    each sample's callchain as a Stack row and its frames right after it, for any frame size;
 *  - hostile bytes: mutated files never throw anything but InputError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePerfData } from '../../src/decode/perfdata/decodePerfData.ts';
import type { DecodeContext } from '../../src/decode/decodeContext.ts';
import { InputError } from '../../src/model/inputError.ts';
import { buildCase, memoryInput, rng, runCase } from './fuzzCase.ts';
import { captureArb, perfDataSeeds, writePerfData, type ExpectedRow } from './perfDataGen.ts';

async function decodeBuffer(bytes: Buffer, frameBytes: number, seed: number): Promise<ExpectedRow[]> {
  const ctx: DecodeContext = {
    index: 0, input: memoryInput(bytes, rng(seed)), detection: { format: 'perf-data' }, frameBytes, maxLineBytes: 1 << 20, workers: 1,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  const texts: string[] = [''];
  const rows: ExpectedRow[] = [];
  for await (const f of decodePerfData(ctx)) {
    const b = f.batch;
    texts.push(...b.strings);
    for (let i = 0; i < b.length; i++) {
      rows.push({
        kind: b.kind[i], tsNs: b.tsNs[i], cpu: b.cpu[i], pid: b.pid[i], irq: b.irq[i], lockFlags: b.lockFlags[i],
        name: texts[b.name[i]], addr: texts[b.addr[i]], comm: texts[b.comm[i]], aux: b.aux[i],
      });
    }
  }
  return rows;
}

describe('perf.data decoder: round trip of generated files', () => {
  it('decodes exactly the generated events, in perf\'s order, for any frame size', async () => {
    await fc.assert(
      fc.asyncProperty(captureArb, fc.integer({ min: 64, max: 8192 }), fc.integer(), async (capture, frameBytes, seed) => {
        const { bytes, expected } = writePerfData(capture);
        expect(await decodeBuffer(bytes, frameBytes, seed)).toEqual(expected);
      }),
      { numRuns: 100, seed: 17 },
    );
  });

  it('the generator covers what the property is about', () => {
    const caps = fc.sample(captureArb, { numRuns: 200, seed: 17 }).map(writePerfData);
    const rows = caps.flatMap((c) => c.expected);
    expect(caps.some((c) => c.bytes.readBigUInt64LE(8) === 16n)).toBe(true); // pipe mode
    expect(caps.some((c) => c.bytes.readBigUInt64LE(8) === 104n)).toBe(true); // file mode
    expect(rows.some((r) => r.kind === 9)).toBe(true); // lost
    expect(rows.some((r) => r.irq & 1)).toBe(true); // hardirq
    expect(rows.some((r) => r.comm.startsWith(':'))).toBe(true); // a task without COMM
    expect(rows.some((r) => r.kind === 13)).toBe(true); // callchain frames
  });
});

describe('perf.data decoder: hostile bytes', () => {
  it('mutated files throw nothing but InputError', async () => {
    const seeds = perfDataSeeds(40, 5);
    for (let i = 0; i < 500; i++) {
      const c = buildCase(seeds, i, 0xfeed);
      try {
        await runCase('perf-data', c, i % 4 === 0, i % 16 === 0);
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`perf-data case ${i} (salt 0xfeed): ${(e as Error)?.stack ?? e}`);
      }
    }
  }, 120_000);
});
