/**
 * trace.dat from older kernels (issue 16 item 14): each event is decoded from
 * the file's own format, old layouts included. Before 5.2,
 * workqueue_execute_end had no `function` field ("work struct %p"); a file
 * with that layout gave an `unknown-event` warning at byte 0, whether or not
 * it held any such event. Built here from the v6 fixture by rewriting the
 * embedded format texts in place, same length (every offset of the file
 * stays valid): the `function` line becomes blanks, as the old format lacks
 * it. A format that really lacks a field the replay needs is warned about at
 * each record of that event, never at byte 0.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { decodeAll, V6 } from './tracedatHelpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'lr-old-layouts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The v6 fixture with `line` of event `event`'s format text replaced by blanks. */
function withoutField(event: string, line: string, name: string): string {
  const b = Buffer.from(readFileSync(V6));
  const text = b.toString('latin1');
  const at = text.indexOf(`name: ${event}\n`);
  const end = text.indexOf('print fmt:', at);
  const f = text.indexOf(line, at);
  expect(at).toBeGreaterThan(0);
  expect(f > at && f < end).toBe(true);
  b.write(' '.repeat(line.length), f, 'latin1');
  const p = join(dir, name);
  writeFileSync(p, b);
  return p;
}

describe('trace.dat old event layouts', () => {
  it('workqueue_execute_end without `function` (kernels before 5.2): decoded, no warning', async () => {
    const old = withoutField('workqueue_execute_end', '\tfield:void * function;\toffset:16;\tsize:8;\tsigned:0;', 'wq-end-pre-5.2.dat');
    const base = (await decodeAll(V6)).events;
    const events = (await decodeAll(old)).events;
    expect(events.filter((e) => e.kind === 'wq-end').length).toBe(base.filter((e) => e.kind === 'wq-end').length);
    expect(events.map((e) => [e.kind, e.ts, e.pos])).toEqual(base.map((e) => [e.kind, e.ts, e.pos]));
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [old] });
    expect(r.warnings.map((w) => w.kind)).not.toContain('unknown-event');
    const plain = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [V6] });
    expect(r.findings).toEqual(plain.findings.map((f) => JSON.parse(JSON.stringify(f).replaceAll(V6, old))));
  });

  it('a format without a field the replay needs: warned at each record of that event, where it is', async () => {
    const bad = withoutField('lock_contended', '\tfield:void * lockdep_addr;\toffset:16;\tsize:8;\tsigned:0;', 'contended-no-addr.dat');
    const base = (await decodeAll(V6)).events;
    const contended = base.filter((e) => e.kind === 'contended');
    expect(contended.length).toBeGreaterThan(0);
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [bad] });
    const w = r.warnings.find((x) => x.kind === 'unknown-event')!;
    expect(w.count).toBe(contended.length);
    expect(w.first.map((l) => l.byte)).toEqual(contended.slice(0, 5).map((e) => e.pos));
    expect(w.first[0].detail).toBe('lock:lock_contended: its format in this file lacks a field the replay needs');
    // Nothing else is lost: the other events are all there.
    expect((await decodeAll(bad)).events.filter((e) => e.kind !== 'contended').length).toBe(base.length - contended.length);
  });
});
