/**
 * The kallsyms section as %ps reads it (src/decode/tracedat/kallsyms.ts): the
 * symbol containing an address, whatever the order of the lines; malformed
 * lines and kptr_restrict's zero addresses are no symbols.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/inputError.ts';
import { Kallsyms, readKallsymsFile } from '../../src/decode/tracedat/kallsyms.ts';

const TEXT = [
  'ffffffffa0000000 t lr_work_fn\t[lrtest]', // a module symbol listed first: out of order
  'ffffffff81000000 T _stext',
  'ffffffff81000100 T process_one_work',
  '0000000000000000 T hidden_by_kptr_restrict',
  'not a line at all',
  'ffffffff81000200 t worker_thread',
  'ffffffffa0000080 t lr_other_fn\t[lrtest]',
  '',
].join('\n');

const split = (a: bigint) => [Number(a >> 32n), Number(a & 0xffffffffn)] as const;
const at = (k: Kallsyms, a: bigint) => k.lookup(...split(a));

describe('Kallsyms', () => {
  const k = new Kallsyms(Buffer.from(TEXT, 'latin1'));

  it('names the symbol containing an address, without offset', () => {
    expect(at(k, 0xffffffff81000100n)).toBe('process_one_work');
    expect(at(k, 0xffffffff810001ffn)).toBe('process_one_work');
    expect(at(k, 0xffffffff81000234n)).toBe('worker_thread');
  });

  it('sorts lines that come out of order (modules) and drops the module tag', () => {
    expect(at(k, 0xffffffffa0000010n)).toBe('lr_work_fn');
    expect(at(k, 0xffffffffa00000f0n)).toBe('lr_other_fn');
  });

  it('knows nothing below the first symbol, nor from zero addresses or malformed lines', () => {
    expect(at(k, 0xffffffff80ffffffn)).toBeUndefined();
    expect(at(k, 0x10n)).toBeUndefined();
  });

  it('an empty or absent section names nothing', () => {
    expect(new Kallsyms().lookup(0xffffffff, 0x81000000)).toBeUndefined();
    expect(new Kallsyms(Buffer.alloc(0)).lookup(0xffffffff, 0x81000000)).toBeUndefined();
  });

  it('prints a return address as %pS does: func+0xoff/0xsize [module], bare past the last symbol', () => {
    const frame = (a: bigint) => k.frameText(...split(a));
    expect(frame(0xffffffff81000142n)).toBe('process_one_work+0x42/0x100');
    expect(frame(0xffffffffa0000011n)).toBe('lr_work_fn+0x11/0x80 [lrtest]');
    // past the last symbol (freed module init text): no symbol holds it, as ftrace and trace-cmd print it
    expect(frame(0xffffffffa00093d1n)).toBeUndefined();
    expect(frame(0xffffffff80000000n)).toBeUndefined();
  });

  it('reads 32-bit addresses, CRLF lines and a last line without newline; rejects malformed address and type fields', () => {
    const t = new Kallsyms(Buffer.from([
      'c1000000 T start32\r',
      'c1000040 T next32',
      'ffffffff8100000000 T seventeen_digits',
      'ffffffff81000300  T two_spaces',
      'ffffffff81000400\tT tab_after_address',
      'ffffffff81000500 T',
      'ffffffff81000600 T last_line_no_newline',
    ].join('\n'), 'latin1'));
    expect(t.lookup(0, 0xc1000010)).toBe('start32');
    expect(t.frameText(0, 0xc1000010)).toBe('start32+0x10/0x40');
    expect(t.lookup(0xffffffff, 0x81000650)).toBe('last_line_no_newline');
    // none of the malformed lines is a symbol: an address after them belongs to the one before
    expect(t.lookup(0xffffffff, 0x81000550)).toBe('next32');
  });

  it('of aliases (several symbols at one address) names the first listed as the kernel does, or the last', () => {
    // the order /proc/kallsyms of the abba-stacks boot lists them in (trace-cmd dump --kallsyms)
    const text = Buffer.from('ffffffff8137fe10 t __schedule\nffffffff8137fe10 T __sched_text_start\nffffffff81380350 T schedule\n', 'latin1');
    const pc = split(0xffffffff813800a4n);
    // trace-cmd report and the kernel's ftrace text print "__schedule" for this return address
    expect(new Kallsyms(text, 'first').frameText(...pc)).toBe('__schedule+0x294/0x540');
    expect(new Kallsyms(text, 'first').lookup(...pc)).toBe('__schedule');
    // perf script printed "__sched_text_start" (tests/decode/perfData.test.ts)
    expect(new Kallsyms(text, 'last').frameText(...pc)).toBe('__sched_text_start+0x294/0x540');
  });
});

describe('readKallsymsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockreplay-kallsyms-'));
  const plain = join(dir, 'kallsyms'), gz = join(dir, 'kallsyms.gz');
  writeFileSync(plain, TEXT);
  writeFileSync(gz, gzipSync(Buffer.from(TEXT)));

  it('gives the same bytes for a plain file (one read) and a compressed one (decompressed)', async () => {
    expect((await readKallsymsFile(plain)).toString('latin1')).toBe(TEXT);
    expect((await readKallsymsFile(gz)).toString('latin1')).toBe(TEXT);
  });

  it('a missing file or a directory is an input error naming it', async () => {
    await expect(readKallsymsFile(join(dir, 'absent'))).rejects.toBeInstanceOf(InputError);
    await expect(readKallsymsFile(dir)).rejects.toThrow(/is a directory/);
    rmSync(dir, { recursive: true, force: true });
  });
});
