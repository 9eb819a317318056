/**
 * Streamed hostile-size scenarios, shared by tests/robustness/boundedResources.test.ts
 * (small enough for npm test) and `npm run fuzz -- --heavy` (full size).
 * Inputs come from generators, never from files.
 */
import { frameLines } from '../../src/io/lineFramer.ts';
import { FtraceTextDecoder } from '../../src/decode/ftrace/ftraceTextDecoder.ts';
import { GlobalStrings, LocalRemap } from '../../src/model/globalStrings.ts';
import { DEFAULT_REPLAY_OPTIONS, Replayer, type ReplayOptions } from '../../src/replay/replayer.ts';
import { Warnings } from '../../src/decode/warnings.ts';
import { HEADER } from './traceGen.ts';

export const MAX_LINE = 1 << 20;

/** A line in the kernel layout; pid/cpu/time from the counter. */
export function line(n: number, pid: number, kind: 'lock_acquire' | 'lock_release', addr: string, name: string): string {
  const sec = 10 + Math.floor(n / 1e6), usec = n % 1e6;
  return `${'task'.padStart(16)}-${String(pid).padEnd(7)} [000] ...1. ${String(sec).padStart(5)}.${String(usec).padStart(6, '0')}: ${kind}: ${addr} ${name}`;
}

/** Streams the lines of `gen` as ~1 MB chunks. */
export async function* chunksOf(gen: Iterable<string>): AsyncGenerator<Buffer> {
  let parts: string[] = [], len = 0;
  for (const l of gen) {
    parts.push(l, '\n');
    len += l.length + 1;
    if (len >= 1 << 20) {
      yield Buffer.from(parts.join(''));
      parts = [];
      len = 0;
    }
  }
  if (parts.length) yield Buffer.from(parts.join(''));
}

export async function replayStream(chunks: AsyncIterable<Buffer>, replay: Partial<ReplayOptions> = {}) {
  const strings = new GlobalStrings();
  const remap = new LocalRemap(strings);
  const replayer = new Replayer(strings, { ...DEFAULT_REPLAY_OPTIONS, ...replay });
  const dec = new FtraceTextDecoder(0, { instanceMode: false, maxLineBytes: MAX_LINE });
  const warnings = new Warnings();
  let lines = 0;
  for await (const f of frameLines(chunks, 4 << 20, MAX_LINE)) {
    const d = dec.decode(f.buf, f.firstLine);
    lines += d.stats.lines;
    remap.apply(d.batch);
    warnings.merge(d.warnings);
    replayer.replay(d.batch);
  }
  replayer.finish();
  warnings.merge(replayer.warnings.serialize());
  return { replayer, warnings, lines, strings };
}


const addr = (i: number) => (0xffff888000000000n + BigInt(i) * 64n).toString(16);

/** N distinct lock classes, each acquired and released once by one task. */
export function* distinctNames(N: number): Generator<string> {
  yield HEADER;
  for (let i = 0; i < N; i++) {
    yield line(2 * i, 7, 'lock_acquire', addr(i), `lock_${i}`);
    yield line(2 * i + 1, 7, 'lock_release', addr(i), `lock_${i}`);
  }
}

/** One task nesting N distinct locks, then releasing them in reverse. */
export function* deepContext(N: number): Generator<string> {
  yield HEADER;
  for (let i = 0; i < N; i++) yield line(i, 9, 'lock_acquire', addr(i), `nest_${i}`);
  for (let i = N - 1; i >= 0; i--) yield line(2 * N - i, 9, 'lock_release', addr(i), `nest_${i}`);
}

/**
 * K classes, every ordered pair nested (a complete dependency digraph); with
 * `gated`, every pair is nested inside one instance of a gate lock, so every
 * cycle is benign and the search for a deadlock among them never ends early.
 */
export function* cycleRich(K: number, gated = false): Generator<string> {
  yield HEADER;
  let n = 0;
  const gate = addr(K);
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      if (a === b) continue;
      if (gated) yield line(n++, 11, 'lock_acquire', gate, 'gate');
      yield line(n++, 11, 'lock_acquire', addr(a), `c${a}`);
      yield line(n++, 11, 'lock_acquire', addr(b), `c${b}`);
      yield line(n++, 11, 'lock_release', addr(b), `c${b}`);
      yield line(n++, 11, 'lock_release', addr(a), `c${a}`);
      if (gated) yield line(n++, 11, 'lock_release', gate, 'gate');
    }
  }
}

/** An event, a line of `bytes` bytes (one reused 1 MB chunk), and the matching release. */
export async function* giantLine(bytes: number, onChunk?: (i: number) => void): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(1 << 20, 0x41);
  yield Buffer.from(HEADER + '\n' + line(0, 1, 'lock_acquire', 'ffff888000000001', 'before') + '\n');
  for (let i = 0; i < Math.floor(bytes / 2 ** 20); i++) {
    onChunk?.(i);
    yield chunk;
  }
  yield Buffer.from('\n' + line(1, 1, 'lock_release', 'ffff888000000001', 'before') + '\n');
}
