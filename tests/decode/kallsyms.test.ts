/**
 * The kallsyms section as %ps reads it (src/decode/tracedat/kallsyms.ts): the
 * symbol containing an address, whatever the order of the lines; malformed
 * lines and kptr_restrict's zero addresses are no symbols.
 */
import { describe, expect, it } from 'vitest';
import { Kallsyms } from '../../src/decode/tracedat/kallsyms.ts';

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
});
