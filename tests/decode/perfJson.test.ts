import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFormat } from '../../src/decode/detectFormat.ts';
import { DEFAULT_RUN_OPTIONS, runReplay } from '../../src/pipeline/runReplay.ts';
import { replayDependencies } from '../../src/cli/commands/compareLockdep.ts';
import { SHARED_TRACES } from '../helpers/cli.ts';
import { InputError } from '../../src/model/inputError.ts';

const NONE_JSON = `${SHARED_TRACES}/none/perf.json.xz`;
const dir = mkdtempSync(join(tmpdir(), 'lr-perfjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = { 'linux-perf-json-version': 1, headers: { 'header-version': 1, 'perf-version': '6.13' } };

function write(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc, null, '\t'));
  return p;
}

/** The assumed newer-perf shape: the evsel name plus the tracepoint fields as strings (see src/decode/perf/perfJsonSample.ts). */
function sample(ts: number, tid: number, event: string, fields: Record<string, string>) {
  return { timestamp: ts, pid: tid, tid, cpu: 0, comm: `t${tid}`, callchain: [{ ip: '0xffffffff8107add5' }], event, ...fields };
}
const acq = (ts: number, tid: number, name: string, addr: string, flags = '0') => sample(ts, tid, 'lock:lock_acquire', { flags, name, lockdep_addr: addr });
const rel = (ts: number, tid: number, name: string, addr: string) => sample(ts, tid, 'lock:lock_release', { name, lockdep_addr: addr });

describe('perf JSON detection', () => {
  it('needs perf\'s version key; other JSON is not perf-json', () => {
    expect(detectFormat(Buffer.from(JSON.stringify(HEAD)))?.format).toBe('perf-json');
    expect(detectFormat(Buffer.from('{\n\t"linux-perf-json-version": 1,\n')))?.toEqual({ format: 'perf-json' });
    expect(detectFormat(Buffer.from('{"samples": [], "foo": 1}'))).toBeUndefined();
  });
});

describe('perf JSON with tracepoint fields (synthetic, assumed newer-perf shape)', () => {
  it('replays lock events into dependencies', async () => {
    const p = write('fields.json', {
      ...HEAD,
      samples: [
        acq(1000, 10, 'A', '0xa'), acq(2000, 10, 'B', '0xb'), rel(3000, 10, 'B', '0xb'), rel(4000, 10, 'A', '0xa'),
        sample(4500, 10, 'sched:sched_switch', { prev_comm: 'x' }),
        acq(5000, 11, 'B', '0xb'), acq(6000, 11, 'A', '0xa', '1'), rel(7000, 11, 'A', '0xa'), rel(8000, 11, 'B', '0xb'),
      ],
    });
    const deps = await replayDependencies([p]);
    expect(deps).toContainEqual({ from: 'A', to: 'B' });
    const r = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [p] });
    expect(r.stats.acquires).toBe(4);
    expect(r.stats.releases).toBe(4);
    expect(r.stats.otherEvents).toBe(1);
    expect(r.inputs[0].format).toBe('perf-json');
  });

  it('refuses fields without an event name (release and acquired cannot be told apart)', async () => {
    const p = write('noevent.json', { ...HEAD, samples: [{ timestamp: 1, pid: 1, tid: 1, cpu: 0, comm: 'x', callchain: [], name: 'A', lockdep_addr: '0xa' }] });
    await expect(runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [p] })).rejects.toThrow(/no "event" name/);
  });

  it('reports malformed JSON as an input error', async () => {
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"linux-perf-json-version": 1, "samples": [ {"timestamp": 1, "tid": 1, "event": "lock:lock_release", "name": "A", "lockdep_addr": "0xa"}, {"x": ');
    await expect(runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [p] })).rejects.toBeInstanceOf(InputError);
  });
});

describe('perf 6.1 JSON (no tracepoint fields)', () => {
  it('is refused with what to run instead (synthetic)', async () => {
    const p = write('p61.json', { ...HEAD, samples: [{ timestamp: 1, pid: 1, tid: 1, cpu: 0, comm: 'perf', callchain: [{ ip: '0xffffffff8107add5' }] }] });
    const e = await runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [p] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/perf 6\.1's JSON export .* carries no tracepoint fields/);
    expect((e as Error).message).toContain('replay the perf.data itself (or `perf script -F comm,tid,cpu,time,event,trace -i perf.data > trace.txt`)');
  });

  it.skipIf(!existsSync(NONE_JSON))('is refused on the real none/perf.json.xz', async () => {
    await expect(runReplay({ ...DEFAULT_RUN_OPTIONS, inputs: [NONE_JSON] })).rejects.toThrow(/carries no tracepoint fields/);
  });
});
