/**
 * perf.data files written from generated lock events (fast-check), in perf's own layout: file mode
 * (header, attrs, ids, data, feature table, tracing data) or pipe mode (HEADER_ATTR and
 * HEADER_TRACING_DATA records first), samples as `perf record -e 'lock:*' -a [-g]` writes them
 * (IDENTIFIER|IP|TID|TIME|CPU|PERIOD|RAW [|CALLCHAIN], sample_id_all), the 6.1 kernel's lock event
 * formats, each round's CPU buffers one after the other and a FINISHED_ROUND after each round. With the
 * events the decoder must give back (`expected`), for the round-trip property and as fuzz seeds.
 */
import fc from 'fast-check';
import { irqBitsOfCommonFlags } from '../../src/decode/tracedat/recordDecoder.ts';
import { EventKind, LockFlags } from '../../src/model/eventKind.ts';

/** The 6.1 kernel's format texts (tracing data of ../shared/traces/abba-stacks/perf/perf.data). */
const COMMON = '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n';
const NAME_ADDR = '\tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:void * lockdep_addr;\toffset:16;\tsize:8;\tsigned:0;\n\nprint fmt: "%p %s", REC->lockdep_addr, __get_str(name)\n';
const FORMATS: [name: string, id: number, text: string][] = [
  ['lock_acquire', 113, `name: lock_acquire\nID: 113\nformat:\n${COMMON}\tfield:unsigned int flags;\toffset:8;\tsize:4;\tsigned:0;\n\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:1;\n\tfield:void * lockdep_addr;\toffset:16;\tsize:8;\tsigned:0;\n\nprint fmt: "%p %s%s%s", REC->lockdep_addr, (REC->flags & 1) ? "try " : "", (REC->flags & 2) ? "read " : "", __get_str(name)\n`],
  ['lock_release', 112, `name: lock_release\nID: 112\nformat:\n${COMMON}${NAME_ADDR}`],
  ['lock_contended', 111, `name: lock_contended\nID: 111\nformat:\n${COMMON}${NAME_ADDR}`],
  ['lock_acquired', 110, `name: lock_acquired\nID: 110\nformat:\n${COMMON}${NAME_ADDR}`],
];
const HEADER_PAGE = '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n';
const HEADER_EVENT = '# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n';

export type GenKind = 0 | 1 | 2 | 3; // index into FORMATS
const KIND_OF_GEN = [EventKind.Acquire, EventKind.Release, EventKind.Contended, EventKind.Acquired];

export interface GenEvent {
  kind: GenKind;
  pid: number;
  /** common_flags (irqs-off 0x01, hardirq 0x08, softirq 0x10, NMI 0x40, BH-off 0x80). */
  commonFlags: number;
  /** lock_acquire's flags (try 1, read 2). */
  lockFlags: number;
  lock: number;
  /** A PERF_RECORD_LOST right before this event in its CPU buffer, with this count (0 = none). */
  lostBefore: number;
}

export interface GenCapture {
  pipe: boolean;
  callchains: boolean;
  /** COMM records at the start (time 0, as perf synthesizes them), pid -> comm. */
  comms: [number, string][];
  /** rounds[r][cpu] = the events CPU cpu wrote in round r. */
  rounds: GenEvent[][][];
}

const LOCK_NAMES = ['lr_mutex_a', 'lr_mutex_b', '&rq->__lock', 'rcu_read_lock', '&p->pi_lock', 'jiffies_lock'];
const lockAddr = (lock: number): bigint => 0xffffffff81000000n + BigInt(lock * 0x40);

const eventArb: fc.Arbitrary<GenEvent> = fc.record({
  kind: fc.constantFrom<GenKind>(0, 0, 1, 1, 2, 3),
  pid: fc.constantFrom(0, 1, 42, 58, 700),
  commonFlags: fc.constantFrom(0, 0, 0, 0x01, 0x09, 0x10, 0x11, 0x80, 0x41),
  lockFlags: fc.constantFrom(0, 0, 1, 2),
  lock: fc.integer({ min: 0, max: LOCK_NAMES.length - 1 }),
  lostBefore: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }) }),
});

export const captureArb: fc.Arbitrary<GenCapture> = fc.record({
  pipe: fc.boolean(),
  callchains: fc.boolean(),
  comms: fc.subarray<[number, string]>([[1, 'init'], [42, 'perf'], [58, 'lr1_abba'], [700, 'kworker/0:1-eve']]),
  rounds: fc.array(fc.array(fc.array(eventArb, { maxLength: 12 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }),
});

export interface ExpectedRow {
  kind: number;
  tsNs: number;
  cpu: number;
  pid: number;
  irq: number;
  lockFlags: number;
  name: string;
  addr: string;
  comm: string;
  aux: number;
}

/** Little-endian byte writer. */
class Out {
  private parts: Buffer[] = [];
  length = 0;
  bytes(b: Buffer | string): this {
    const x = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    this.parts.push(x);
    this.length += x.length;
    return this;
  }
  u16(v: number): this { const b = Buffer.alloc(2); b.writeUInt16LE(v); return this.bytes(b); }
  u32(v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return this.bytes(b); }
  u64(v: number): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return this.bytes(b); }
  i32pair(a: number, b: number): this { const x = Buffer.alloc(8); x.writeInt32LE(a); x.writeInt32LE(b, 4); return this.bytes(x); }
  pad8(): this { return this.length % 8 ? this.bytes(Buffer.alloc(8 - (this.length % 8))) : this; }
  done(): Buffer { return Buffer.concat(this.parts, this.length); }
}

const SAMPLE_TYPE_BASE = 0x1 | 0x2 | 0x4 | 0x80 | 0x100 | 0x400 | 0x10000; // IP TID TIME CPU PERIOD RAW IDENTIFIER
const CALLCHAIN = 0x20;
const SAMPLE_ID_ALL = 1 << 18;
const ATTR_SIZE = 128;
const idOf = (kind: number, cpu: number) => 10 + kind * 2 + cpu;

function attrBytes(kind: number, sampleType: number): Buffer {
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(2, 0); // PERF_TYPE_TRACEPOINT
  a.writeUInt32LE(ATTR_SIZE, 4);
  a.writeBigUInt64LE(BigInt(FORMATS[kind][1]), 8);
  a.writeBigUInt64LE(1n, 16);
  a.writeBigUInt64LE(BigInt(sampleType), 24);
  a.writeBigUInt64LE(BigInt(4 | 16), 32); // read_format ID|LOST
  a.writeBigUInt64LE(BigInt(SAMPLE_ID_ALL | 1 | 2), 40); // disabled, inherit, sample_id_all
  return a;
}

function tracingData(): Buffer {
  const o = new Out().bytes('\x17\x08\x44tracing').bytes('0.6\0').bytes(Buffer.from([0, 8])).u32(4096);
  o.bytes('header_page\0').u64(HEADER_PAGE.length).bytes(HEADER_PAGE);
  o.bytes('header_event\0').u64(HEADER_EVENT.length).bytes(HEADER_EVENT);
  o.u32(0); // ftrace formats
  o.u32(1).bytes('lock\0').u32(FORMATS.length);
  for (const [, , text] of FORMATS) o.u64(text.length).bytes(text);
  return o.u32(0).u32(0).u64(0).done(); // kallsyms (perf stores none), printk, cmdlines
}

/** sample_id trailer of a non-sample record: TID, TIME, CPU, IDENTIFIER. */
function trailer(o: Out, pid: number, ts: number, cpu: number, id: number): void {
  o.i32pair(pid, pid).u64(ts).u32(cpu).u32(0).u64(id);
}

function rawOf(e: GenEvent, pid: number): Buffer {
  const name = Buffer.from(`${LOCK_NAMES[e.lock]}\0`, 'latin1');
  const len = 24 + name.length;
  // perf pads RAW so that its u32 size and the data end on 8 bytes
  const size = Math.ceil((len + 4) / 8) * 8 - 4;
  const r = Buffer.alloc(size);
  r.writeUInt16LE(FORMATS[e.kind][1], 0);
  r.writeUInt8(e.commonFlags, 2);
  r.writeInt32LE(pid, 4);
  if (e.kind === 0) r.writeUInt32LE(e.lockFlags, 8);
  r.writeUInt32LE((name.length << 16) | 24, e.kind === 0 ? 12 : 8);
  r.writeBigUInt64LE(lockAddr(e.lock), 16);
  name.copy(r, 24);
  return r;
}

/** The file's bytes and the rows the decoder must produce from them. */
export function writePerfData(c: GenCapture): { bytes: Buffer; expected: ExpectedRow[] } {
  const sampleType = SAMPLE_TYPE_BASE | (c.callchains ? CALLCHAIN : 0);
  const data = new Out();
  const header = (type: number, size: number, misc = 0) => data.u32(type).u16(misc).u16(size);
  const commOf = new Map<number, string>([[0, 'swapper']]);
  for (const [pid, comm] of c.comms) {
    const name = Buffer.alloc(Math.ceil((comm.length + 1) / 8) * 8);
    name.write(comm, 'latin1');
    header(3, 8 + 8 + name.length + 32);
    data.i32pair(pid, pid).bytes(name);
    trailer(data, pid, 0, 0, idOf(0, 0));
    commOf.set(pid, comm);
  }
  // file order of the timed rows, to sort as perf does (by time, ties in file order)
  const timed: ExpectedRow[] = [];
  /** The StackFrame rows that follow a Stack row (untimed: they go out right after it). */
  const framesOf = new Map<ExpectedRow, ExpectedRow[]>();
  c.rounds.forEach((round, r) => {
    round.forEach((events, cpu) => {
      events.forEach((e, i) => {
        // several events share a time, within a CPU and across both
        const ts = 1_000_000_000 + r * 1_000_000 + Math.floor(i / 2) * 1000;
        if (e.lostBefore) {
          header(2, 8 + 16 + 32);
          data.u64(idOf(e.kind, cpu)).u64(e.lostBefore);
          trailer(data, -1, ts, cpu, idOf(e.kind, cpu));
          timed.push({ kind: EventKind.Lost, tsNs: ts, cpu, pid: -1, irq: 0, lockFlags: 0, name: '', addr: '', comm: '', aux: e.lostBefore });
        }
        const raw = rawOf(e, e.pid);
        // PERF_CONTEXT_KERNEL, two kernel frames, PERF_CONTEXT_USER, one user frame
        const chain = c.callchains ? [0xffffffffffffff80n, 0xffffffff8108177fn, 0xffffffff81380e86n, 0xfffffffffffffe00n, 0x47cc80n] : [];
        header(9, 8 + 48 + (c.callchains ? 8 + chain.length * 8 : 0) + 4 + raw.length);
        data.u64(idOf(e.kind, cpu)).bytes(Buffer.from(new BigUint64Array([0xffffffff8108177fn]).buffer)).i32pair(e.pid, e.pid).u64(ts).u32(cpu).u32(0).u64(1);
        if (c.callchains) {
          data.u64(chain.length);
          for (const ip of chain) data.bytes(Buffer.from(new BigUint64Array([ip]).buffer));
        }
        data.u32(raw.length).bytes(raw);
        const kind = KIND_OF_GEN[e.kind];
        const irq = irqBitsOfCommonFlags(e.commonFlags), comm = commOf.get(e.pid) ?? `:${e.pid}`;
        timed.push({
          kind, tsNs: ts, cpu, pid: e.pid, irq, lockFlags: kind === EventKind.Acquire ? e.lockFlags & 3 : 0,
          name: LOCK_NAMES[e.lock], addr: `0x${lockAddr(e.lock).toString(16)}`, comm, aux: 0,
        });
        if (c.callchains) {
          // the callchain: a Stack row like its sample, then its frames without the context markers (no kallsyms: addresses)
          const stack: ExpectedRow = { kind: EventKind.Stack, tsNs: ts, cpu, pid: e.pid, irq, lockFlags: 0, name: '', addr: '', comm, aux: 0 };
          timed.push(stack);
          framesOf.set(stack, ['0xffffffff8108177f', '0xffffffff81380e86', '0x47cc80'].map((f) => (
            { kind: EventKind.StackFrame, tsNs: 0, cpu: 0, pid: 0, irq: 0, lockFlags: 0, name: f, addr: '', comm: '', aux: 0 })));
        }
      });
    });
    header(68, 8); // FINISHED_ROUND
  });
  const order = timed.map((row, i) => ({ row, i })).sort((a, b) => a.row.tsNs - b.row.tsNs || a.i - b.i).map((x) => x.row);
  // perf turns lock_release on after lock_acquire: a CPU's acquisitions before its first release are uncertain
  const released = new Set<number>();
  const expected: ExpectedRow[] = [];
  for (const row of order) {
    if (row.kind === EventKind.Release && !released.has(row.cpu)) {
      released.add(row.cpu);
      expected.push({ kind: EventKind.BufferStarted, tsNs: row.tsNs, cpu: row.cpu, pid: -1, irq: 0, lockFlags: 0, name: '', addr: '', comm: '', aux: 0 });
    }
    if (row.kind === EventKind.Acquire && !released.has(row.cpu)) row.lockFlags |= LockFlags.Uncertain;
    expected.push(row, ...(framesOf.get(row) ?? []));
  }
  const body = data.done();
  const tracing = tracingData();
  const ids = (k: number) => [idOf(k, 0), idOf(k, 1)];
  if (c.pipe) {
    const o = new Out().bytes('PERFILE2').u64(16);
    FORMATS.forEach((_, k) => {
      o.u32(64).u16(0).u16(8 + ATTR_SIZE + 16).bytes(attrBytes(k, sampleType));
      for (const id of ids(k)) o.u64(id);
    });
    const aligned = Math.ceil(tracing.length / 8) * 8;
    o.u32(66).u16(0).u16(12).u32(aligned).bytes(tracing).bytes(Buffer.alloc(aligned - tracing.length));
    return { bytes: o.bytes(body).done(), expected };
  }
  const attrsAt = 104, fileAttr = ATTR_SIZE + 16;
  const idsAt = attrsAt + FORMATS.length * fileAttr;
  const dataAt = idsAt + FORMATS.length * 16;
  const featAt = dataAt + body.length;
  const o = new Out().bytes('PERFILE2').u64(104).u64(fileAttr).u64(attrsAt).u64(FORMATS.length * fileAttr).u64(dataAt).u64(body.length).u64(0).u64(0);
  o.u64(2).u64(0).u64(0).u64(0); // features: HEADER_TRACING_DATA
  FORMATS.forEach((_, k) => o.bytes(attrBytes(k, sampleType)).u64(idsAt + k * 16).u64(16));
  FORMATS.forEach((_, k) => { for (const id of ids(k)) o.u64(id); });
  o.bytes(body).u64(featAt + 16).u64(tracing.length).bytes(tracing);
  return { bytes: o.done(), expected };
}

/** Small generated perf.data files (file and pipe mode) as fuzz seeds. */
export function perfDataSeeds(n: number, seed: number): Buffer[] {
  return fc.sample(captureArb, { numRuns: n, seed }).map((c) => writePerfData(c).bytes);
}
