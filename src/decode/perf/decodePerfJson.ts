/**
 * Registry entry for perf JSON (`perf data convert --to-json`), streamed with
 * stream-json: only the "samples" array is picked, one sample object at a
 * time, never the whole document. perf 6.1's export carries no tracepoint
 * fields; such a file is refused with what to run instead.
 */
import { Readable, pipeline } from 'node:stream';
import { parser } from 'stream-json';
import { pick } from 'stream-json/filters/pick.js';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { BatchBuilder } from '../../model/batch.ts';
import { ByteInterner } from '../../model/byteInterner.ts';
import { EventKind } from '../../model/eventKind.ts';
import { InputError } from '../../model/inputError.ts';
import { Warnings } from '../warnings.ts';
import { countOther, emptyStats, type DecodedFrame } from '../decoder.ts';
import type { DecodeContext } from '../decodeContext.ts';
import { fillSample, hasTracepointFields, kindOfSample, type PerfJsonSample } from './perfJsonSample.ts';

const SAMPLES_PER_BATCH = 1 << 14;

export const NO_FIELDS_MESSAGE =
  "perf JSON without tracepoint fields: perf 6.1's JSON export (perf data convert --to-json) carries no tracepoint fields " +
  '(no lock names or addresses), so it cannot be replayed; replay the perf.data itself (or `perf script -F comm,tid,cpu,time,event,trace -i perf.data > trace.txt`) instead';

export async function* decodePerfJson(ctx: DecodeContext): AsyncGenerator<DecodedFrame> {
  const name = ctx.input.name;
  // Positions are sample numbers (1-based); no line or byte offset survives the JSON parser.
  ctx.summary.notes.push('perf JSON has no irq flags: interrupt contexts cannot be told from the tasks they interrupted; positions are sample numbers');
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const c of ctx.input.chunks) {
      bytes += c.length;
      yield c;
    }
  }
  // pipeline (not .pipe) so a parse error reaches the iteration below instead of escaping.
  const samples = pipeline(
    Readable.from(counted()), parser.asStream(), pick.asStream({ filter: 'samples' }), streamArray.asStream(),
    () => {},
  );
  const strings = new ByteInterner();
  const out = new BatchBuilder(SAMPLES_PER_BATCH);
  let warnings = new Warnings();
  let stats = emptyStats();
  let seq = 0, n = 0, checked = false;
  const flush = (): DecodedFrame => {
    const { from, strings: texts } = strings.takeNew();
    const d: DecodedFrame = { batch: out.finish(seq++, ctx.index, from, texts), stats, warnings: warnings.serialize() };
    warnings = new Warnings();
    stats = emptyStats();
    return d;
  };
  try {
    for await (const item of samples as AsyncIterable<{ key: number; value: PerfJsonSample }>) {
      const s = item.value;
      n++;
      stats.lines++;
      if (!checked) {
        checked = true;
        if (!hasTracepointFields(s)) throw new InputError(name, undefined, NO_FIELDS_MESSAGE);
      }
      const kind = kindOfSample(s);
      if (kind === -2) {
        throw new InputError(name, undefined, `perf JSON sample ${n} has tracepoint fields but no "event" name: lock_release, lock_contended and lock_acquired cannot be told apart; replay \`perf script\` text instead`);
      }
      if (kind < 0) {
        countOther(stats, typeof s.timestamp === 'number' ? s.timestamp : NaN);
        continue;
      }
      const problem = fillSample(s, kind, n, out, strings);
      if (problem !== undefined) warnings.add('unparsed-line', ctx.index, n, problem);
      else if (kind === EventKind.Acquire) warnings.add('no-flags-column', ctx.index, n);
      if (out.length >= SAMPLES_PER_BATCH) yield flush();
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, { byte: bytes }, `malformed perf JSON (${String((e as Error).message).split('\n')[0]})`);
  } finally {
    samples.destroy();
  }
  ctx.summary.bytes = bytes;
  if (!checked) throw new InputError(name, undefined, 'perf JSON without samples');
  if (out.length > 0 || stats.lines > 0 || seq === 0) yield flush();
}
