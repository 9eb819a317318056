/**
 * The block contract of ftrace text (src/pipeline/parallelDecode.ts): the
 * input is cut into raw blocks anywhere, a block's decoder decodes the lines
 * inside it, and the partial lines at block ends are joined and decoded in
 * input order. Whatever the block size, the events, string order, warnings
 * (line numbers and details included) and counts are those of decoding the
 * whole input as one frame: lines cut across many blocks, lines over the
 * limit, a last line without newline, CRLF, blank lines.
 */
import { describe, expect, it } from 'vitest';
import { FtraceTextDecoder } from '../../src/decode/ftrace/ftraceTextDecoder.ts';
import { decodeFtraceText } from '../../src/decode/ftrace/decodeFtraceText.ts';
import { decodeFtraceFrames } from '../../src/pipeline/parallelDecode.ts';
import { GlobalStrings, LocalRemap } from '../../src/model/globalStrings.ts';
import { Warnings } from '../../src/decode/warnings.ts';
import type { DecodedFrame } from '../../src/decode/decoder.ts';
import type { DecodeContext } from '../../src/decode/decodeContext.ts';
import type { OpenedInput } from '../../src/io/openInput.ts';
import { generateTrace, prng } from '../../bench/generate.ts';

const COLUMNS = ['kind', 'tsNs', 'cpu', 'pid', 'irq', 'lockFlags', 'name', 'addr', 'comm', 'aux', 'pos'] as const;
const MAX_LINE = 300;

function context(text: Buffer, blockBytes: number, chunk: number, workers: number): DecodeContext {
  async function* chunks() {
    for (let k = 0; k < text.length; k += chunk) yield text.subarray(k, k + chunk);
  }
  const input = { name: 't', compression: 'none', bytesRead: () => 0, chunks: chunks(), head: text.subarray(0, 4096) } as OpenedInput;
  return {
    index: 0, input, detection: { format: 'ftrace' }, frameBytes: blockBytes, maxLineBytes: MAX_LINE, workers,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
}

/** Events with their strings as text, warnings and counts: what the replay sees. */
function outcome(frames: DecodedFrame[], text: (id: number) => string) {
  const events: unknown[][] = [];
  const warnings = new Warnings();
  const stats = { lines: 0, otherEvents: 0, headerLines: 0 };
  for (const f of frames) {
    const b = f.batch;
    for (let i = 0; i < b.length; i++) events.push(COLUMNS.map((c) => (c === 'name' || c === 'addr' || c === 'comm' ? text(b[c][i]) : b[c][i])));
    warnings.merge(f.warnings);
    stats.lines += f.stats.lines;
    stats.otherEvents += f.stats.otherEvents;
    stats.headerLines += f.stats.headerLines;
  }
  return { events, warnings: warnings.serialize(), stats };
}

function sampleText(seed: number): Buffer {
  const rnd = prng(seed);
  const lines = [...generateTrace({ seed, bytes: 20_000, cpus: 3, tasks: 6 })].join('').split('\n');
  for (let k = 0; k < 6; k++) {
    const at = Math.floor(rnd() * lines.length);
    const r = rnd();
    if (r < 0.3) lines.splice(at, 0, 'x'.repeat(MAX_LINE + Math.floor(rnd() * 900))); // over the limit
    else if (r < 0.5) lines.splice(at, 0, '');
    else if (r < 0.7) lines[at] += '\r';
    else lines.splice(at, 0, `${lines[at]} ${'y'.repeat(MAX_LINE - lines[at].length - 1)}`); // exactly at the limit
  }
  let text = lines.join('\n');
  if (rnd() < 0.5) text = text.replace(/\n$/, '') + '\n  cut-1 [000] ..... 9.0: lock_acquire: ffff1 &cut->lo'; // last line without newline
  return Buffer.from(text);
}

describe('ftrace blocks', () => {
  for (const seed of [1, 2, 3]) {
    const text = sampleText(seed);
    const whole = new FtraceTextDecoder(0, { instanceMode: false, maxLineBytes: MAX_LINE });
    const wholeFrame = whole.decode(text, 1);
    const want = outcome([wholeFrame], (id) => whole['strings'].text(id));

    it(`registry form: the same as one frame, for any block size (seed ${seed})`, async () => {
      expect(want.events.length).toBeGreaterThan(50);
      expect(want.warnings.counts.length).toBeGreaterThan(0);
      for (const block of [1, 2, 7, 64, 299, 300, 301, 1000, 1 << 20]) {
        for (const chunk of [1, 13, 4096]) {
          if (block === 1 && chunk !== 13) continue;
          const frames: DecodedFrame[] = [];
          for await (const f of decodeFtraceText(context(text, block, chunk, 1))) frames.push(f);
          // one decoder in input order: its local IDs are those of the whole-frame decoder
          const strings = [''].concat(...frames.map((f) => f.batch.strings));
          expect(outcome(frames, (id) => strings[id]), `block ${block} chunk ${chunk}`).toEqual(want);
        }
      }
    });

    it(`pipeline form, inline and on workers: the same as one frame (seed ${seed})`, async () => {
      const g0 = new GlobalStrings();
      new LocalRemap(g0).apply(wholeFrame.batch);
      for (const workers of [1, 2]) {
        for (const block of [5, 64, 301, 1 << 20]) {
          const g = new GlobalStrings();
          const frames: DecodedFrame[] = [];
          for await (const f of decodeFtraceFrames(context(text, block, 4096, workers), g)) frames.push(f);
          expect(outcome(frames, (id) => g.text(id)), `workers ${workers} block ${block}`).toEqual(want);
          // global IDs follow first appearance, as with one decoder
          expect(Array.from({ length: g.size }, (_, i) => g.text(i))).toEqual(Array.from({ length: g0.size }, (_, i) => g0.text(i)));
        }
      }
    }, 60_000);
  }
});
