/**
 * Pseudo-locks from the rules file (analysis/rules `pseudoLocks`): a traced
 * event that is not a lock event (a kprobe such as `probe:inode_dio_begin`, a
 * custom tracepoint, a trace_marker line) becomes an acquire, a release, or a
 * wait (acquire immediately followed by release: lockdep's lock_map_acquire()
 * + lock_map_release() "touch", as in __flush_workqueue()) of a named
 * pseudo-lock. Its instance comes from a body field (`ino=42`) or from the
 * `instance` group of the rule's regex. Decisions are cached per (event,
 * body text) so a repeated line costs one map lookup.
 */
import type { GlobalStrings } from '../model/globalStrings.ts';
import type { PseudoLockRule, Rules } from '../analysis/rules.ts';

export enum PseudoAction { Acquire = 1, Release = 2, Wait = 3 }

/** The event name under which ftrace prints trace_marker writes. */
export const MARKER_EVENT = 'tracing_mark_write';

const MAX_CACHE = 1 << 16;

/** [action, lock name ID, instance ID, read (0/1)] */
export type PseudoOp = Int32Array;

export class PseudoLocks {
  private readonly byEvent = new Map<number, PseudoLockRule[]>();
  private readonly cache = new Map<number, PseudoOp | null>();
  readonly markerEvent: number;
  /** Event names the decoder must keep (custom events; trace_marker is always kept). */
  readonly customEvents: string[];
  /** Rules that mapped at least one event (the others are reported: a rule that never matches is a mistake or stale). */
  readonly used = new Set<PseudoLockRule>();

  constructor(rules: Rules, private readonly strings: GlobalStrings) {
    const names = new Set<string>();
    for (const r of rules.pseudoLocks) {
      const id = strings.intern(r.event);
      let l = this.byEvent.get(id);
      if (!l) this.byEvent.set(id, (l = []));
      l.push(r);
      if (r.event !== MARKER_EVENT) names.add(r.event);
    }
    this.markerEvent = strings.intern(MARKER_EVENT);
    this.customEvents = [...names].sort();
  }

  get empty(): boolean {
    return this.byEvent.size === 0;
  }

  /** The pseudo-lock operation of an event, or null (first matching rule wins). */
  lookup(eventId: number, bodyId: number): PseudoOp | null {
    const rules = this.byEvent.get(eventId);
    if (!rules) return null;
    const key = eventId * 0x4000000 + bodyId;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const body = this.strings.text(bodyId).trim();
    let op: PseudoOp | null = null;
    for (const r of rules) {
      let inst: string | undefined;
      if (r.match) {
        const m = r.match.exec(body);
        if (!m) continue;
        inst = m.groups?.instance;
      }
      if (r.instance !== undefined) {
        const f = fieldValue(body, r.instance);
        if (f === undefined) continue;
        inst = f;
      }
      const action = r.action === 'acquire' ? PseudoAction.Acquire : r.action === 'release' ? PseudoAction.Release : PseudoAction.Wait;
      op = Int32Array.of(action, this.strings.intern(r.lock), this.strings.intern(`${r.lock}:${inst ?? ''}`), r.read ? 1 : 0);
      this.used.add(r);
      break;
    }
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(key, op);
    return op;
  }
}

/** Value of `field=value` in an event body (kprobe/tracepoint print format), quotes removed. */
export function fieldValue(body: string, field: string): string | undefined {
  const esc = field.replace(/[.\\-]/g, '\\$&');
  const m = new RegExp(`(?:^|[\\s,(])${esc}=("[^"]*"|[^\\s,)]+)`).exec(body);
  if (!m) return undefined;
  const v = m[1];
  return v.startsWith('"') ? v.slice(1, -1) : v;
}
