/** Shared by the trace.dat decoder tests: fixture paths and a decode-everything helper. */
import { expect } from 'vitest';
import { join } from 'node:path';
import { openInput } from '../../src/io/openInput.ts';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import type { DecodeContext } from '../../src/decode/decodeContext.ts';
import { decodeTraceDatWith } from '../../src/decode/tracedat/decodeTraceDat.ts';
import { EVENT_KIND_NAMES } from '../../src/model/eventKind.ts';

import { ROOT, SHARED_TRACES } from '../helpers/cli.ts';
export { firstLengthWordEvent } from '../helpers/ringBufferPage.ts';

export { ROOT };
export const V6 = join(ROOT, 'traces/abba-cut.v6.dat');
export const V7 = join(ROOT, 'traces/abba-cut.v7.dat');
export const REPORT = join(ROOT, 'traces/abba-cut.report.txt');
/** 12 pages with kernel_stack records (traces/README.md "With kernel stacks"), and trace-cmd report -l of it. */
export const STACKS_CUT = join(ROOT, 'traces/abba-stacks-cut.v6.dat');
export const STACKS_REPORT = join(ROOT, 'traces/abba-stacks-cut.report.txt');

export const SHARED = SHARED_TRACES;

export interface Ev { kind: string; ts: number; cpu: number; pid: number; irq: number; flags: number; name: string; addr: string; comm: string; aux: string | number; pos: number }

export interface DecodeOptions {
  /** --kallsyms */
  kallsyms?: string;
  frameBytes?: number;
  instance?: string;
  /** > 1 with workerMinBytes 0 sends the file to the decode worker. */
  workers?: number;
  workerMinBytes?: number;
}

/** Every event of the file, with its strings resolved, in batch order. */
export async function decodeAll(path: string, o: DecodeOptions = {}): Promise<{ events: Ev[]; ctx: DecodeContext; batches: number; other: number }> {
  const input = await openInput(path);
  const ctx: DecodeContext = {
    index: 0, input, detection: detectFormat(input.head)!, frameBytes: o.frameBytes ?? 4 << 20, maxLineBytes: 1 << 20,
    instance: o.instance, workers: o.workers ?? 1, kallsyms: o.kallsyms, summary: { positions: 'line', bytes: 0, notes: [] },
  };
  const texts: string[] = [''];
  const events: Ev[] = [];
  let batches = 0, other = 0;
  for await (const f of decodeTraceDatWith(ctx, { workerMinBytes: o.workerMinBytes })) {
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
