// Test fixture: the real decode task, except that it throws (a bug, or a failed allocation) on its third block.
import { register } from 'tsx/esm/api';

register();
const { default: decode } = await import('../../workers/decodeFtrace.ts');
let n = 0;

export default function throwing(t) {
  if (++n === 3) throw new RangeError('Array buffer allocation failed');
  return decode(t);
}
