/**
 * A small in-process slice of `npm run fuzz`: mutated seeds through every
 * decoder registered in DECODERS (generic), plus detectFormat. Anything thrown
 * other than an InputError fails the test with the case number to reproduce.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { DECODERS } from '../../src/decode/registry.ts';
import type { TraceFormat } from '../../src/decode/detectFormat.ts';
import { InputError } from '../../src/model/inputError.ts';
import { buildCase, runCase } from './fuzzCase.ts';
import { formatTrace, nestedTraceArb, traceArb } from './traceGen.ts';

const seeds = [
  ...fc.sample(traceArb, { numRuns: 40, seed: 7 }).map((t) => Buffer.from(formatTrace(t))),
  ...fc.sample(nestedTraceArb, { numRuns: 20, seed: 8 }).map((t) => Buffer.from(formatTrace(t))),
];
const WHOLE_DOCUMENT = new Set(['trace-dat', 'perf-json', 'graph']);

describe('every registered decoder survives mutated input', () => {
  for (const format of Object.keys(DECODERS) as TraceFormat[]) {
    it(format, async () => {
      const n = WHOLE_DOCUMENT.has(format) ? 50 : 1500;
      for (let i = 0; i < n; i++) {
        const c = buildCase(seeds, i, 0xbeef);
        try {
          await runCase(format, c, i % 4 === 0, i % 16 === 0);
        } catch (e) {
          if (!(e instanceof InputError)) throw new Error(`${format} case ${i} (salt 0xbeef): ${(e as Error)?.stack ?? e}`);
        }
      }
    });
  }
});
