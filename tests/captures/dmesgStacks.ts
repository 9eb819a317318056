/**
 * The call stacks of a lockdep splat in a kernel log (dmesg.txt): for a
 * circular dependency, each `-> #N (class){usage}-{w:w}:` entry of "the
 * existing dependency chain (in reverse order)" with its frames; for an
 * inconsistent lock state, the `{USAGE} state was registered at:` trace; and
 * the `at:` functions of the lines under "is trying to acquire lock:" /
 * "already holding lock:" / "takes:". Frames are `func+0xoff/0xsize [module]`,
 * `?` (unreliable) frames never occur in these sections.
 */
export interface DmesgStack {
  /** `#N` for chain entries, or the usage name (`IN-HARDIRQ-W`). */
  label: string;
  /** The class the entry names. */
  cls: string;
  frames: string[];
}

export interface DmesgSplat {
  header: string;
  stacks: DmesgStack[];
  /** Function of `at:` in the line after "is trying to acquire lock:" (or "takes:"). */
  acquiringAt?: string;
  /** Function of `at:` in the line after "but task is already holding lock:". */
  holdingAt?: string;
}

const TS = /^\[\s*\d+\.\d+\]\s?/;
const ENTRY = /^-> #(\d+) \((.+?)\)\{[^{}]*\}(?:-\{\d+:\d+\})?:$/;
const USAGE = /^\{([A-Z-]+)\} state was registered at:$/;
const CLASS_AT = /\((.+?)\)\{[^{}]*\}(?:-\{\d+:\d+\})?, at: ([A-Za-z0-9_.]+)\+/;
const FRAME = /^\s+([A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+(?: \[\S+\])?)$/;

export function parseSplat(text: string): DmesgSplat | undefined {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '').replace(TS, ''));
  const start = lines.findIndex((l) => l.startsWith('WARNING: ') && (l.includes('locking dependency') || l.includes('inconsistent lock state')));
  if (start < 0) return undefined;
  const splat: DmesgSplat = { header: lines[start].trim(), stacks: [] };
  let cls = '';
  let cur: DmesgStack | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('stack backtrace:') || l.startsWith('other info that might help')) break;
    if (l.includes('is trying to acquire lock:') || l.endsWith('] takes:') || l.endsWith(' takes:')) {
      const m = CLASS_AT.exec(lines[i + 1] ?? '');
      if (m) {
        splat.acquiringAt = m[2];
        cls = m[1];
      }
    }
    if (l.startsWith('but task is already holding lock:')) splat.holdingAt = CLASS_AT.exec(lines[i + 1] ?? '')?.[2];
    let m = ENTRY.exec(l.trim());
    if (m) {
      splat.stacks.push((cur = { label: `#${m[1]}`, cls: m[2], frames: [] }));
      continue;
    }
    m = USAGE.exec(l.trim());
    if (m) {
      splat.stacks.push((cur = { label: m[1], cls, frames: [] }));
      continue;
    }
    const f = FRAME.exec(l);
    if (f && cur) cur.frames.push(f[1]);
    else cur = undefined;
  }
  return splat;
}

/** lockdep's stacks start in its own validation (`__lock_acquire`, `lock_acquire`): the frames below `lock_acquire`. */
export function belowLockAcquire(frames: string[]): string[] {
  const k = frames.findIndex((f) => f.startsWith('lock_acquire+'));
  return k >= 0 ? frames.slice(k + 1) : frames;
}

/** A frame reduced to what every capture form shows: function and (when printed) offset, module dropped. */
export function frameKey(frame: string, withOffset: boolean): string {
  const m = /^([A-Za-z0-9_.$@]+)(\+0x[0-9a-f]+)?/.exec(frame);
  if (!m) return frame;
  return withOffset && m[2] ? m[1] + m[2] : m[1];
}
