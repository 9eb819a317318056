/**
 * One fuzz case, deterministic from (format, case number): pick a seed input,
 * mutate it, feed it through detectFormat and the format's registered decoder
 * (in-memory input, random chunking), and every few cases replay it and render
 * both reports. Used by tests/fuzz/worker.ts (npm run fuzz) and by a quick
 * vitest smoke run.
 */
import { DECODERS } from '../../src/decode/registry.ts';
import type { DecodeContext } from '../../src/decode/decodeContext.ts';
import { detectFormat, type TraceFormat } from '../../src/decode/detectFormat.ts';
import type { OpenedInput } from '../../src/io/openInput.ts';
import { GlobalStrings, LocalRemap } from '../../src/model/globalStrings.ts';
import { Replayer, DEFAULT_REPLAY_OPTIONS } from '../../src/replay/replayer.ts';
import { Warnings } from '../../src/decode/warnings.ts';
import { addStats, emptyStats } from '../../src/decode/decoder.ts';
import { buildResult } from '../../src/report/result.ts';
import { renderText } from '../../src/report/text.ts';
import { renderJson } from '../../src/report/json.ts';
import { mutate, type Mutation } from './traceGen.ts';
import { EventKind } from '../../src/model/eventKind.ts';

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomMutations(r: () => number, len: number): Mutation[] {
  const n = Math.floor(r() * 5); // 0..4 (0 = the seed as is)
  const out: Mutation[] = [];
  const at = () => Math.floor(r() * (len + 1));
  for (let k = 0; k < n; k++) {
    switch (Math.floor(r() * 10)) {
      case 0: case 1: out.push({ op: 'flip', at: at(), bit: Math.floor(r() * 8) }); break;
      case 2: out.push({ op: 'truncate', at: at() }); break;
      case 3: out.push({ op: 'insert', at: at(), bytes: Array.from({ length: 1 + Math.floor(r() * 32) }, () => Math.floor(r() * 256)) }); break;
      case 4: out.push({ op: 'nul', at: at(), n: 1 + Math.floor(r() * 16) }); break;
      case 5: out.push({ op: 'invalid-utf8', at: at() }); break;
      case 6: out.push({ op: 'long-line', at: at(), n: 100 + Math.floor(r() * 3000) }); break;
      case 7: out.push({ op: 'shuffle', seed: Math.floor(r() * 2 ** 31) }); break;
      case 8: out.push({ op: 'delete', at: at(), n: 1 + Math.floor(r() * 100) }); break;
      case 9: out.push({ op: 'crlf' }); break;
    }
  }
  return out;
}

async function* chunksOf(buf: Buffer, r: () => number): AsyncGenerator<Buffer> {
  let i = 0;
  while (i < buf.length) {
    const n = 1 + Math.floor(r() * 4096);
    yield buf.subarray(i, i + n);
    i += n;
  }
}

export function memoryInput(buf: Buffer, r: () => number): OpenedInput {
  // '<stdin>': decoders needing random access (trace.dat) copy the stream to a temp file instead of opening a path.
  return { name: '<stdin>', compression: 'none', bytesRead: () => buf.length, chunks: chunksOf(buf, r), head: buf.subarray(0, 64 * 1024) };
}

export interface CaseResult {
  input: Buffer;
  mutations: Mutation[];
  seedIndex: number;
}

/** Builds case `n`'s input (cheap, deterministic: a hang can be reproduced from its number). */
export function buildCase(seeds: Buffer[], n: number, salt: number): CaseResult & { r: () => number } {
  const r = rng((n * 2654435761) ^ salt);
  const seedIndex = Math.floor(r() * seeds.length);
  const seed = seeds[seedIndex];
  const mutations = randomMutations(r, seed.length);
  return { input: mutations.length ? mutate(seed, mutations) : seed, mutations, seedIndex, r };
}

/** What a case's decoding reached, counted as it goes (so also when it ends in an InputError). */
export interface CaseReach {
  /** Call stacks (Stack rows) decoded. */
  stacks: number;
}

/**
 * Runs one case against `format`'s decoder. Resolves when done; rejects with
 * whatever the code under test threw (the caller tells InputError from a crash).
 */
export async function runCase(format: TraceFormat, c: CaseResult & { r: () => number }, replay: boolean, render: boolean, reach: CaseReach = { stacks: 0 }): Promise<void> {
  const { input, r } = c;
  detectFormat(input.subarray(0, 64 * 1024)); // the sniffer sees every mutated input too
  const decode = DECODERS[format];
  if (!decode) throw new Error(`no decoder for ${format}`);
  const opened = memoryInput(input, r);
  const ctx: DecodeContext = {
    index: 0, input: opened, detection: { format, instanceMode: format === 'trace-cmd-report' && r() < 0.5 },
    frameBytes: 256 + Math.floor(r() * 8192), maxLineBytes: 1024 + Math.floor(r() * 4096), workers: 1,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  const strings = new GlobalStrings();
  const remap = new LocalRemap(strings);
  const replayer = replay ? new Replayer(strings, { ...DEFAULT_REPLAY_OPTIONS, maxDepth: 64 }) : undefined;
  const warnings = new Warnings();
  const stats = emptyStats();
  for await (const d of decode(ctx)) {
    const kind = d.batch.kind;
    for (let i = 0; i < d.batch.length; i++) if (kind[i] === EventKind.Stack) reach.stacks++;
    remap.apply(d.batch);
    warnings.merge(d.warnings);
    addStats(stats, d.stats);
    replayer?.replay(d.batch);
  }
  if (replayer) {
    replayer.finish();
    warnings.merge(replayer.warnings.serialize());
    if (render) {
      const res = buildResult(replayer, [{ name: 'fuzz', positions: ctx.summary.positions, format, compression: 'none', bytes: input.length }], stats, warnings);
      renderText(res);
      JSON.parse(renderJson(res));
    }
  }
}
