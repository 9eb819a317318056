/**
 * trace.dat (v6/v7) decoder. Fixtures (traces/abba-cut.v6.dat, .v7.dat) are cut
 * from the abba capture: `trace-cmd convert --file-version 6 --compression none`
 * of abba/trace.dat, then only the "lr" pages whose time span meets the windows
 * around the lrtest steps (s): 12.1958-12.1970, 13.3652-13.3655, 13.3764-13.3768,
 * 13.3941-13.3942, 13.4081-13.4082 (11 of 561 pages), kallsyms cut to the
 * workqueue functions; v7 = `trace-cmd convert --file-version 7 --compression zstd`
 * of that. traces/abba-cut.report.txt is trace-cmd's own `report` of the v6
 * fixture and serves as the oracle.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInput } from '../../src/io/openInput.ts';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import type { DecodeContext } from '../../src/decode/registry.ts';
import { DECODERS } from '../../src/decode/registry.ts';
import { decodeTraceDat, irqBitsOfCommonFlags } from '../../src/decode/tracedat/decodeTraceDat.ts';
import { EVENT_KIND_NAMES, EventKind, IrqBits } from '../../src/model/eventKind.ts';
import { InputError } from '../../src/model/inputError.ts';
import { runReplay, DEFAULT_RUN_OPTIONS } from '../../src/pipeline/runReplay.ts';

const ROOT = join(import.meta.dirname, '../..');
const V6 = join(ROOT, 'traces/abba-cut.v6.dat');
const V7 = join(ROOT, 'traces/abba-cut.v7.dat');
const REPORT = join(ROOT, 'traces/abba-cut.report.txt');
const SHARED = join(ROOT, '../shared/traces');

interface Ev { kind: string; ts: number; cpu: number; pid: number; irq: number; flags: number; name: string; addr: string; comm: string; aux: string | number; pos: number }

async function decodeAll(path: string, frameBytes = 4 << 20, instance?: string): Promise<{ events: Ev[]; ctx: DecodeContext; batches: number; other: number }> {
  const input = await openInput(path);
  const ctx: DecodeContext = {
    index: 0, input, detection: detectFormat(input.head)!, frameBytes, maxLineBytes: 1 << 20, instance, workers: 1,
    summary: { positions: 'line', bytes: 0, notes: [] },
  };
  const texts: string[] = [''];
  const events: Ev[] = [];
  let batches = 0, other = 0;
  for await (const f of decodeTraceDat(ctx)) {
    batches++;
    other += f.stats.otherEvents;
    const b = f.batch;
    expect(b.stringsFrom).toBe(texts.length);
    texts.push(...b.strings);
    for (let i = 0; i < b.length; i++) {
      const kind = EVENT_KIND_NAMES[b.kind[i]];
      events.push({
        kind, ts: b.tsNs[i], cpu: b.cpu[i], pid: b.pid[i], irq: b.irq[i], flags: b.lockFlags[i], name: texts[b.name[i]],
        addr: texts[b.addr[i]], comm: texts[b.comm[i]], aux: kind === 'wq-queue' ? texts[b.aux[i]] : b.aux[i], pos: b.pos[i],
      });
    }
  }
  return { events, ctx, batches, other };
}

const KIND_OF_REPORT: Record<string, string> = {
  lock_acquire: 'acquire', lock_release: 'release', lock_contended: 'contended', lock_acquired: 'acquired',
  workqueue_queue_work: 'wq-queue', workqueue_activate_work: 'wq-activate', workqueue_execute_start: 'wq-start', workqueue_execute_end: 'wq-end',
};

/** Rebuilds the body trace-cmd prints from a decoded event (TP_printk of lock.h / workqueue.h, 6.1). */
function body(e: Ev): string {
  switch (e.kind) {
    case 'acquire': return `${e.addr} ${e.flags & 1 ? 'try ' : ''}${e.flags & 2 ? 'read ' : ''}${e.name}`;
    case 'release': case 'contended': case 'acquired': return `${e.addr} ${e.name}`;
    case 'wq-queue': return `work struct=${e.addr} function=${e.name} workqueue=${e.aux} req_cpu=`;
    case 'wq-activate': return `work struct ${e.addr}`;
    default: return `work struct ${e.addr}: function ${e.name}`;
  }
}

describe('trace.dat fixtures against trace-cmd report', () => {
  it('v6 decodes to exactly the events trace-cmd report prints, in the same order', async () => {
    const { events, ctx } = await decodeAll(V6);
    const lines = readFileSync(REPORT, 'utf8').split('\n');
    const want: { comm: string; pid: number; cpu: number; us: string; kind: string; body: string }[] = [];
    for (const l of lines) {
      const m = /^\s*lr:\s+(.*)-(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(\w+):\s+(.*)$/.exec(l);
      if (!m || !(m[5] in KIND_OF_REPORT)) continue;
      want.push({ comm: m[1].trim(), pid: +m[2], cpu: +m[3], us: m[4], kind: KIND_OF_REPORT[m[5]], body: m[6].trimEnd() });
    }
    expect(want.length).toBeGreaterThan(900);
    expect(events.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const e = events[i], w = want[i];
      const got = { comm: e.comm, pid: e.pid, cpu: e.cpu, us: (Math.round(e.ts / 1000) / 1e6).toFixed(6), kind: e.kind, body: body(e) };
      const exp = { ...w, body: e.kind === 'wq-queue' ? w.body.replace(/req_cpu=.*/, 'req_cpu=') : w.body };
      expect(got, `event ${i}`).toEqual(exp);
    }
    expect(ctx.summary.positions).toBe('byte');
    expect(ctx.summary.instance).toBe('lr');
    expect(ctx.summary.notes).toContain('instances: "" (2 cpus), "lr" (2 cpus)');
  });

  it('v7 (zstd chunks) decodes to the same events as v6', async () => {
    const a = await decodeAll(V6), b = await decodeAll(V7);
    const strip = (e: Ev) => ({ ...e, pos: 0 });
    expect(b.events.map(strip)).toEqual(a.events.map(strip));
    expect(b.other).toBe(a.other);
    // v7 positions are chunk offsets, v6 record offsets: both inside the file
    const size = readFileSync(V7).length;
    expect(b.events.every((e) => e.pos > 0 && e.pos < size)).toBe(true);
  });

  it('is registered for the detected trace-dat format and is deterministic', async () => {
    expect(DECODERS['trace-dat']).toBe(decodeTraceDat);
    const a = await decodeAll(V7), b = await decodeAll(V7);
    expect(b.events).toEqual(a.events);
  });

  it('a tiny frame size gives identical events in many batches', async () => {
    const big = await decodeAll(V6);
    const tiny = await decodeAll(V6, 640);
    expect(big.batches).toBe(1);
    expect(tiny.batches).toBeGreaterThan(50);
    expect(tiny.events).toEqual(big.events);
    expect(tiny.other).toBe(big.other);
  });

  it('selects a buffer instance by name and refuses an unknown one', async () => {
    const top = await decodeAll(V6, 4 << 20, '');
    expect(top.events.length).toBe(0);
    expect(top.ctx.summary.instance).toBe('');
    await expect(decodeAll(V6, 4 << 20, 'nope')).rejects.toThrow(/no buffer instance "nope"/);
  });
});

describe('trace.dat damage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-tracedat-test-'));
  const full = readFileSync(V6);
  const cases: [string, Buffer][] = [
    ['cut inside the event formats', full.subarray(0, 3000)],
    ['cut inside the kallsyms', full.subarray(0, 20000)],
    ['cut inside the CPU pages', full.subarray(0, full.length - 5000)],
    ['cut inside the v7 data', readFileSync(V7).subarray(0, readFileSync(V7).length >> 1)],
  ];
  for (const [what, bytes] of cases) {
    it(`${what} → InputError with a byte offset`, async () => {
      const p = join(dir, 'cut.dat');
      writeFileSync(p, bytes);
      const err = await decodeAll(p).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      const pos = (err as InputError).position;
      expect(pos && 'byte' in pos ? pos.byte : -1).toBeGreaterThanOrEqual(0);
      expect(pos && 'byte' in pos ? pos.byte : Infinity).toBeLessThanOrEqual(bytes.length);
      expect((err as InputError).detail).toMatch(/truncated|corrupt/);
    });
  }
  it('a corrupt page commit size → InputError at that page', async () => {
    const b = Buffer.from(full);
    const pageAt = b.length - 4096; // the last page of the last CPU
    b.writeUInt32LE(0x7ffffff, pageAt + 8);
    const p = join(dir, 'bad.dat');
    writeFileSync(p, b);
    const err = (await decodeAll(p).then(() => undefined, (e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.position).toEqual({ byte: pageAt });
  });
  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});

describe('common_flags → irq bits', () => {
  it('maps the kernel trace_flag_type bits', () => {
    expect(irqBitsOfCommonFlags(0)).toBe(0);
    expect(irqBitsOfCommonFlags(0x01)).toBe(IrqBits.IrqsOff);
    expect(irqBitsOfCommonFlags(0x08)).toBe(IrqBits.Hardirq);
    expect(irqBitsOfCommonFlags(0x10)).toBe(IrqBits.Softirq);
    expect(irqBitsOfCommonFlags(0x18)).toBe(IrqBits.Hardirq | IrqBits.Softirq);
    expect(irqBitsOfCommonFlags(0x48)).toBe(IrqBits.Nmi | IrqBits.Hardirq);
    expect(irqBitsOfCommonFlags(0x40)).toBe(IrqBits.Nmi | IrqBits.Hardirq);
    expect(irqBitsOfCommonFlags(0x80)).toBe(IrqBits.BhOff);
    expect(irqBitsOfCommonFlags(0x81)).toBe(IrqBits.IrqsOff | IrqBits.BhOff);
    // need-resched bits (0x04, 0x20) say nothing about context
    expect(irqBitsOfCommonFlags(0x24)).toBe(0);
  });
  it('fixture events carry try/read flags and irq context', async () => {
    const { events } = await decodeAll(V6);
    const acq = events.filter((e) => e.kind === 'acquire');
    expect(acq.some((e) => e.flags & 2)).toBe(true);
    expect(acq.some((e) => e.irq & IrqBits.IrqsOff)).toBe(true);
    expect(events.every((e) => e.kind !== 'acquire' || (e.flags & ~3) === 0)).toBe(true);
    expect(EventKind.Acquire).toBe(0);
  });
});

describe.skipIf(!existsSync(join(SHARED, 'abba/trace.dat.xz')))('real captures (../shared/traces)', () => {
  for (const s of ['abba', 'wq_flush'] as const) {
    it(`${s}: event counts equal trace-cmd report's, and the cycle is found`, async () => {
      const path = join(SHARED, s, 'trace.dat.xz');
      const want = JSON.parse(readFileSync(join(SHARED, s, 'stats.json'), 'utf8')).trace_cmd_report.counts;
      const { events } = await decodeAll(path);
      const n = (k: string) => events.filter((e) => e.kind === k).length;
      expect(n('acquire')).toBe(want.lock_acquire);
      expect(n('release')).toBe(want.lock_release);
      expect(n('contended')).toBe(want.lock_contended);
      expect(n('acquired')).toBe(want.lock_acquired);
      expect(n('wq-queue') + n('wq-activate') + n('wq-start') + n('wq-end')).toBe(want.workqueue);
      const r = JSON.parse(JSON.stringify(await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [path] })));
      const deadlocks = (r.findings as { verdict: string; classes: string[] }[]).filter((f) => f.verdict === 'deadlock');
      const expected = s === 'abba' ? ['lr_mutex_a', 'lr_mutex_b'] : ['(wq_completion)lr_wq', '(work_completion)(&lr_work)', 'lr_wq_mutex'];
      expect(deadlocks.map((f) => [...f.classes].sort())).toContainEqual(expected.sort());
    }, 60_000);
  }
});
