import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseProcLockdep, readProcLockdep } from '../../src/decode/lockdep/procLockdep.ts';
import { compareWithLockdep, normaliseClassName } from '../../src/decode/lockdep/lockdepComparison.ts';
import { ROOT, SHARED_TRACES } from '../helpers/cli.ts';
import { InputError } from '../../src/model/inputError.ts';

const ABBA_LOCKDEP = `${SHARED_TRACES}/abba/lockdep.txt`;
const ABBA_CHAINS = `${SHARED_TRACES}/abba/lockdep_chains.txt.xz`;
const ABBA_TRACE = `${SHARED_TRACES}/abba/trace.txt.xz`;

const SAMPLE = [
  'all lock classes:',
  'ffffffff81abe278 FD:    1 BD:   38 ....: (console_sem).lock',
  '',
  'ffffffff81abe220 FD:   13 BD:    6 +.+.: console_lock',
  ' -> [ffffffff81abe278] (console_sem).lock',
  ' -> [ffffffff81f16271] &pool->lock/1',
  '',
  'ffffffff81a19979 FD:   21 BD:    1 +.+.: &type->s_umount_key#2/1',
  ' -> [ffffffff81a199c8] &sb->s_type->i_lock_key#2',
  '',
].join('\n');

describe('/proc/lockdep importer', () => {
  it('reads classes (name as printed, usage) and their direct dependencies', () => {
    const g = parseProcLockdep(SAMPLE);
    expect(g.classes.map((c) => [c.name, c.usage, c.key, c.forwardDeps, c.backwardDeps])).toEqual([
      ['(console_sem).lock', '....', 'ffffffff81abe278', 1, 38],
      ['console_lock', '+.+.', 'ffffffff81abe220', 13, 6],
      ['&type->s_umount_key#2/1', '+.+.', 'ffffffff81a19979', 21, 1],
    ]);
    expect(g.dependencies).toEqual([
      { from: 'console_lock', to: '(console_sem).lock' },
      { from: 'console_lock', to: '&pool->lock/1' },
      { from: '&type->s_umount_key#2/1', to: '&sb->s_type->i_lock_key#2' },
    ]);
  });

  it('refuses other text with a line number', () => {
    expect(() => parseProcLockdep('hello\n')).toThrow(InputError);
    expect(() => parseProcLockdep('all lock classes:\n -> [ff] x\n')).toThrow(/:2: dependency line before any lock class/);
    expect(() => parseProcLockdep('all lock chains:\nirq_context: 0\n')).toThrow(/lockdep_chains/);
  });

  it.skipIf(!existsSync(ABBA_LOCKDEP))('reads every class and dependency line of a real dump', async () => {
    const text = readFileSync(ABBA_LOCKDEP, 'latin1').split('\n');
    const g = await readProcLockdep(ABBA_LOCKDEP);
    expect(g.classes.length).toBe(text.filter((l) => / FD: +\d+ BD: /.test(l)).length);
    expect(g.dependencies.length).toBe(text.filter((l) => l.startsWith(' -> [')).length);
  });

  it.skipIf(!existsSync(ABBA_CHAINS))('refuses /proc/lockdep_chains', async () => {
    await expect(readProcLockdep(ABBA_CHAINS)).rejects.toThrow(/lockdep_chains/);
  });
});

describe('comparison with the kernel graph', () => {
  it('drops #N but keeps /N', () => {
    expect(normaliseClassName('&type->s_umount_key#2/1')).toBe('&type->s_umount_key/1');
    expect(normaliseClassName('&sb->s_type->i_lock_key#14')).toBe('&sb->s_type->i_lock_key');
    expect(normaliseClassName('&pool->lock/1')).toBe('&pool->lock/1');
    expect(normaliseClassName('(wq_completion)events#3')).toBe('(wq_completion)events');
  });

  it('splits replayed dependencies into common / only-in-trace, kernel ones into only-in-kernel', () => {
    const kernel = parseProcLockdep(SAMPLE);
    const c = compareWithLockdep([
      { from: 'console_lock', to: '(console_sem).lock' },
      { from: '&type->s_umount_key/1', to: '&sb->s_type->i_lock_key' },
      { from: 'console_lock', to: 'unknown_lock' },
    ], kernel);
    expect(c.common).toBe(2);
    expect(c.onlyInTrace).toEqual([{ from: 'console_lock', to: 'unknown_lock' }]);
    expect(c.onlyInKernel).toEqual([{ from: 'console_lock', to: '&pool->lock/1' }]);
    expect(c.replayedOverNamedClasses).toBe(1); // &sb->s_type->i_lock_key and unknown_lock are not kernel class names here
    expect(c.commonOverNamedClasses).toBe(1);
  });
});

describe.skipIf(!existsSync(ABBA_TRACE) || !existsSync(ABBA_LOCKDEP))('lockreplay compare-lockdep on a real capture', () => {
  it('prints a JSON comparison whose parts add up', () => {
    const out = execFileSync('node', [`${ROOT}/bin/lockreplay.js`, 'compare-lockdep', ABBA_TRACE, '--lockdep', ABBA_LOCKDEP, '--format', 'json'], { maxBuffer: 1 << 28 });
    const c = JSON.parse(out.toString());
    expect(c.schema).toBe('lockreplay/compare-lockdep@1');
    expect(c.common + c.onlyInTrace.length).toBe(c.replayed);
    expect(c.common + c.onlyInKernel.length).toBe(c.kernel);
    expect(c.common).toBeGreaterThan(0);
  });
});
