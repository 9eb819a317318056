// Test fixture: the real decode task, except that before some blocks the worker's decoder
// also decodes a stray block (as if it had received a later block first). The main thread
// must notice and decode those worker's blocks itself; the report must not change.
import { register } from 'tsx/esm/api';

register();
const { default: decode } = await import('../../workers/decodeFtrace.ts');
const STRAY = Buffer.from('          stray-1       [000] .....     1.000000: lock_acquire: ffff888000000001 stray_lock_class\n');

export default function misorder(t) {
  if (t.seq % 5 === 3) {
    const buf = new Uint8Array(STRAY);
    decode({ ...t, buf, length: buf.length, startsLine: true, seq: -1, columns: undefined });
  }
  return decode(t);
}
