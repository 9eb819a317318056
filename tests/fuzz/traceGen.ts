/**
 * Shared by the property tests and `npm run fuzz`: arbitraries for trace lines
 * in the kernel's exact `trace` layout (trace_print_context() +
 * trace_print_lat_fmt(): "%16s-%-7d [%03d] %s %5lu.%06lu: %s: %s"), byte
 * mutations of whole inputs, and helpers that run bytes through the real
 * framer + decoder (+ Replayer) and classify the outcome.
 */
import fc from 'fast-check';
import { frameLines } from '../../src/io/lineFramer.ts';
import { FtraceTextDecoder } from '../../src/decode/ftrace/ftraceTextDecoder.ts';
import { EventKind, IrqBits, LockFlags } from '../../src/model/eventKind.ts';
import { GlobalStrings, LocalRemap } from '../../src/model/globalStrings.ts';
import { Replayer, DEFAULT_REPLAY_OPTIONS } from '../../src/replay/replayer.ts';
import { InputError } from '../../src/model/inputError.ts';
import { Warnings } from '../../src/decode/warnings.ts';
import type { DecodedFrame } from '../../src/decode/decoder.ts';

export interface GenEvent {
  comm: string;
  pid: number;
  cpu: number;
  /** the 5-character flags column */
  flags: string;
  sec: number;
  usec: number;
  kind: 'acquire' | 'release' | 'wq-start' | 'wq-end' | 'other';
  addr: string;
  name: string;
  lockFlags: number;
}

/** The irq bits a flags column means (kernel trace_print_lat_fmt(); see model/eventKind.ts). */
export function irqOfFlags(f: string): number {
  let irq = 0;
  if (f[0] === 'd') irq |= IrqBits.IrqsOff;
  if (f[0] === 'D') irq |= IrqBits.IrqsOff | IrqBits.BhOff;
  if (f[0] === 'b') irq |= IrqBits.BhOff;
  if (f[2] === 'h') irq |= IrqBits.Hardirq;
  if (f[2] === 'H') irq |= IrqBits.Hardirq | IrqBits.Softirq;
  if (f[2] === 's') irq |= IrqBits.Softirq;
  if (f[2] === 'z' || f[2] === 'Z') irq |= IrqBits.Nmi | IrqBits.Hardirq;
  return irq;
}

const pad = (s: string, n: number) => s.padStart(n, ' ');

/** One event line exactly as the kernel prints it (no newline). */
export function formatLine(e: GenEvent): string {
  const ctx = `${pad(e.comm, 16)}-${String(e.pid).padEnd(7, ' ')} [${String(e.cpu).padStart(3, '0')}] ${e.flags} ${pad(String(e.sec), 5)}.${String(e.usec).padStart(6, '0')}: `;
  switch (e.kind) {
    case 'acquire':
      return `${ctx}lock_acquire: ${e.addr} ${e.lockFlags & LockFlags.Try ? 'try ' : ''}${e.lockFlags & LockFlags.Read ? 'read ' : ''}${e.name}`;
    case 'release':
      return `${ctx}lock_release: ${e.addr} ${e.name}`;
    case 'wq-start':
      return `${ctx}workqueue_execute_start: work struct ${e.addr}: function ${e.name}`;
    case 'wq-end':
      return `${ctx}workqueue_execute_end: work struct ${e.addr}: function ${e.name}`;
    case 'other':
      return `${ctx}sched_switch: prev_comm=${e.name} prev_pid=${e.pid} ==> next_comm=swapper/0`;
  }
}

export const HEADER = [
  '# tracer: nop',
  '#',
  '# entries-in-buffer/entries-written: 5/5   #P:2',
  '#',
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |         |   |||||     |         |',
].join('\n');

/** Printable text without ':' (a comm with "1.0: " inside is not a layout the parser promises to undo), no edge spaces. */
const commChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_/.[]()<>#~ '.split(''));
export const commArb = fc
  .array(commChars, { minLength: 1, maxLength: 15 })
  .map((a) => a.join('').trim())
  .filter((s) => s.length > 0 && !s.startsWith('#'));

/** Lock/function names: any Unicode text without line breaks or edge whitespace, not starting with the "try "/"read " prefixes. */
export const nameArb = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '<script>alert(1)</script>', '"quoted"', 'back\\slash', '&dentry->d_lock', 'rcu_read_lock', '(wq_completion)events', 'ünïcødé_lock', '锁'),
  )
  .map((s) => s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, '_').trim())
  .filter((s) => s.length > 0 && !/^(try |read )/.test(s) && !/\s/.test(s[0]));

export const addrArb = fc.bigInt({ min: 0xffff888000000000n, max: 0xffffffffffffffffn }).map((v) => v.toString(16));

export const flagsArb = fc
  .tuple(fc.constantFrom('d', 'D', 'b', 'X', '.'), fc.constantFrom('N', 'n', 'p', '.'), fc.constantFrom('h', 'H', 's', '.'), fc.constantFrom('.', '1', '2', 'a', 'f'), fc.constantFrom('.', '1', '3'))
  .map((t) => t.join(''));

export const eventArb: fc.Arbitrary<GenEvent> = fc.record({
  comm: commArb,
  pid: fc.integer({ min: 0, max: 4194304 }),
  cpu: fc.integer({ min: 0, max: 511 }),
  flags: flagsArb,
  sec: fc.integer({ min: 0, max: 8_000_000 }),
  usec: fc.integer({ min: 0, max: 999_999 }),
  kind: fc.constantFrom('acquire', 'release', 'wq-start', 'wq-end', 'other'),
  addr: addrArb,
  name: nameArb,
  lockFlags: fc.integer({ min: 0, max: 3 }),
});

export const traceArb = fc.array(eventArb, { minLength: 0, maxLength: 60 });

export function formatTrace(events: GenEvent[], withHeader = true): string {
  const lines = events.map(formatLine);
  return (withHeader ? HEADER + '\n' : '') + lines.join('\n') + (lines.length ? '\n' : '');
}

/** A well-nested trace that makes the Replayer work (dependencies, cycles, releases). */
export const nestedTraceArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 30 })
  .map((sections) => {
    const out: GenEvent[] = [];
    let t = 1_000_000;
    for (const [task, locks] of sections) {
      const base = { comm: `task${task}`, pid: 100 + task, cpu: task % 2, flags: '...1.', kind: 'acquire' as const, lockFlags: 0 };
      for (const l of locks) out.push({ ...base, sec: Math.floor(t / 1e6), usec: t++ % 1e6, addr: `ffff8880000${l}0000`, name: `lock_${l}` });
      for (const l of [...locks].reverse()) out.push({ ...base, kind: 'release', sec: Math.floor(t / 1e6), usec: t++ % 1e6, addr: `ffff8880000${l}0000`, name: `lock_${l}` });
    }
    return out;
  });

/** Byte-level mutations of a whole input. */
export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'nul'; at: number; n: number }
  | { op: 'invalid-utf8'; at: number }
  | { op: 'long-line'; at: number; n: number }
  | { op: 'shuffle'; seed: number }
  | { op: 'delete'; at: number; n: number }
  | { op: 'crlf' };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }) }),
  fc.record({ op: fc.constant('nul' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ op: fc.constant('invalid-utf8' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('long-line' as const), at: fc.nat(), n: fc.integer({ min: 100, max: 5000 }) }),
  fc.record({ op: fc.constant('shuffle' as const), seed: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('crlf' as const) }),
);

export function mutate(input: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of ms) {
    const at = b.length ? ('at' in m ? m.at % (b.length + 1) : 0) : 0;
    switch (m.op) {
      case 'flip':
        if (b.length) b[at % b.length] ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'nul':
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.n), b.subarray(at)]);
        break;
      case 'invalid-utf8':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf0, 0x9f]), b.subarray(at)]);
        break;
      case 'long-line':
        b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.n, 0x41), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + m.n))]);
        break;
      case 'crlf':
        b = Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
        break;
      case 'shuffle': {
        const lines = b.toString('latin1').split('\n');
        let s = m.seed | 0;
        for (let i = lines.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) | 0;
          const j = (s >>> 0) % (i + 1);
          [lines[i], lines[j]] = [lines[j], lines[i]];
        }
        b = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
    }
  }
  return b;
}

async function* chunked(buf: Buffer, chunk: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
}

export interface DecodeRun {
  frames: DecodedFrame[];
  warnings: Warnings;
  replayer?: Replayer;
  strings: GlobalStrings;
}

/**
 * Frames bytes (chunked as given) and decodes them with the ftrace text
 * decoder, optionally replaying the batches; small frame/line limits so the
 * boundaries are exercised.
 */
export async function decodeBytes(
  buf: Buffer,
  o: { chunk?: number; frameBytes?: number; maxLineBytes?: number; replay?: boolean; instanceMode?: boolean } = {},
): Promise<DecodeRun> {
  const dec = new FtraceTextDecoder(0, { instanceMode: !!o.instanceMode, maxLineBytes: o.maxLineBytes ?? 4096 });
  const strings = new GlobalStrings();
  const remap = new LocalRemap(strings);
  const replayer = o.replay ? new Replayer(strings, { ...DEFAULT_REPLAY_OPTIONS }) : undefined;
  const warnings = new Warnings();
  const frames: DecodedFrame[] = [];
  for await (const f of frameLines(chunked(buf, o.chunk ?? 1 << 16), o.frameBytes ?? 1 << 12, o.maxLineBytes ?? 4096)) {
    const d = dec.decode(f.buf, f.firstLine);
    remap.apply(d.batch);
    warnings.merge(d.warnings);
    replayer?.replay(d.batch);
    frames.push(d);
  }
  if (replayer) {
    replayer.finish();
    warnings.merge(replayer.warnings.serialize());
  }
  return { frames, warnings, replayer, strings };
}

/** Decoded events as plain records with texts (after remapping to global IDs). */
export function eventsOf(run: DecodeRun): { kind: number; tsNs: number; cpu: number; pid: number; irq: number; lockFlags: number; name: string; addr: string; comm: string; pos: number }[] {
  const out = [];
  for (const { batch: b } of run.frames) {
    for (let i = 0; i < b.length; i++) {
      out.push({
        kind: b.kind[i], tsNs: b.tsNs[i], cpu: b.cpu[i], pid: b.pid[i], irq: b.irq[i], lockFlags: b.lockFlags[i],
        name: run.strings.text(b.name[i]), addr: run.strings.text(b.addr[i]), comm: run.strings.text(b.comm[i]), pos: b.pos[i],
      });
    }
  }
  return out;
}

export const KIND_OF: Record<GenEvent['kind'], number> = {
  acquire: EventKind.Acquire, release: EventKind.Release, 'wq-start': EventKind.WqStart, 'wq-end': EventKind.WqEnd, other: -1,
};

/** Runs fn and says what it did: ok, a clean InputError, or a crash (anything else). */
export async function classify(fn: () => Promise<unknown>): Promise<{ outcome: 'ok' | 'input-error' | 'crash'; error?: unknown }> {
  try {
    await fn();
    return { outcome: 'ok' };
  } catch (e) {
    if (e instanceof InputError) return { outcome: 'input-error', error: e };
    return { outcome: 'crash', error: e };
  }
}
