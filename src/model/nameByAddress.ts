/**
 * The lock name last interned at each address ID. A lock instance recurs on
 * most of its events with the same name, so confirming the guess with
 * ByteInterner.matches() (one compare, no hashing, no probing) replaces most
 * interning of names in the decoders; a different name at a reused address is
 * interned and remembered instead. Exact either way, never a hash match.
 */
import type { ByteInterner } from './byteInterner.ts';

export class NameByAddress {
  private names: Uint32Array = new Uint32Array(1 << 14);

  /** The string ID of bytes [start, end) of buf, the name of the lock at address ID `addr`. */
  intern(strings: ByteInterner, addr: number, buf: Uint8Array, start: number, end: number): number {
    let names = this.names;
    let name = addr < names.length ? names[addr] : 0;
    if (name === 0 || !strings.matches(name, buf, start, end)) {
      name = strings.intern(buf, start, end);
      if (addr >= names.length) names = this.grow(addr);
      names[addr] = name;
    }
    return name;
  }

  private grow(addr: number): Uint32Array {
    let n = this.names.length;
    while (n <= addr) n *= 2;
    const a = new Uint32Array(n);
    a.set(this.names);
    return (this.names = a);
  }
}
