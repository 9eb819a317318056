/**
 * A stable identity for every finding: the same problem gets the same `id`
 * and `title` in every capture, kernel version, chunk size, worker count and
 * path (replay, graph file, merge, diff, store), whichever dependency closed
 * its cycle. docs/finding-identity.md is the specification.
 *
 *   key   = canonical JSON over normalised class names (and, for irq findings,
 *           the irq usage states lockdep names in its report),
 *   id    = the first 12 hex digits of sha256(`<scheme>|<kind>|<key>`),
 *   title = one line in lockdep/syzbot style, a pure function of kind and key.
 *
 * Pure functions only: no replay state, no report types (report/ and cli/ and
 * the store call in here, never the other way round).
 */
import { createHash } from 'node:crypto';
import type { FindingKind } from './findings.ts';

/** The key scheme in force; bump it (k2, ...) when a key changes, and keep the old key function in KEY_SCHEMES. */
export const KEY_SCHEME = 'k1';

/** Hex digits of the hash kept in an ID: 48 bits, a 1-in-30,000 chance of any collision among 100,000 findings. */
export const ID_LENGTH = 12;

/** What identifies a finding: its kind, its classes as reported, the irq usage states it is about. */
export interface FindingShape {
  kind: FindingKind | string;
  classes: readonly string[];
  /** Lockdep usage states (inconsistent-irq-state: the two usages; irq-safe-unsafe: `HARDIRQ-safe`, `HARDIRQ-unsafe`). */
  usage?: readonly string[];
}

/** Workqueue maps get a dynamic lockdep key per workqueue (kernel/workqueue.c: wq_init_lockdep()). */
const WQ_MAP = '(wq_completion)';

/** Hashed or raw kernel pointers inside a name (8+ hex digits, `0x` optional). */
const ADDRESS = /(?:0x)?[0-9a-f]{8,}/gi;

/** lockdep's `#N` (the N-th class sharing a name), before an optional `/N` subclass at the end. */
const CLASS_VERSION = /#\d+(?=\/\d+$|$)/;

/** Worker thread names (`kworker/3:1H`, `kworker/u4:2`): numbered per boot by the workqueue pool. */
const KWORKER = /kworker\/u?\d+:\d+H?/g;

/**
 * A class name as it enters the key (scheme k1), so what differs between boots
 * of one kernel does not change the key:
 *  - addresses (8+ hex digits) become `<addr>`;
 *  - lockdep's `#N` suffix goes: lockdep numbers classes sharing a name in
 *    registration order (print_lock_name() -> name_version), which differs
 *    between boots, and per-instance workqueue maps are shown as `name#2` the same way;
 *  - in a workqueue map's name (a dynamic key per workqueue, wq_init_lockdep())
 *    every decimal number becomes `N`: alloc_workqueue("loop%d", ...) names
 *    one workqueue per device, and `(wq_completion)loop0` in one boot is
 *    `(wq_completion)loop3` in another, the same code and the same problem;
 *  - `kworker/u4:2`-style worker names become `kworker/N`;
 *  - the `/N` subclass (lock_acquire_nested()) and a split rule's `[held]`
 *    suffix stay: they are part of the locking pattern, and static class names
 *    with digits (`rcu_node_0`, one static key per level) keep them.
 */
export function normaliseClassName(name: string): string {
  let s = name.replace(ADDRESS, '<addr>').replace(CLASS_VERSION, '');
  if (s.startsWith(WQ_MAP)) s = WQ_MAP + s.slice(WQ_MAP.length).replace(/\d+/g, 'N');
  return s.replace(KWORKER, 'kworker/N');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The least rotation of a cycle (whole sequences compared name by name), so a
 * cycle reads the same whichever dependency closed it: A -> B -> A entered
 * from B -> A is the same cycle as entered from A -> B. Comparing whole
 * rotations, not only the first name, keeps it canonical when normalisation
 * makes two names of the cycle equal.
 */
export function canonicalRotation(names: readonly string[]): number {
  let best = 0;
  const n = names.length;
  for (let k = 1; k < n; k++) {
    for (let i = 0; i < n; i++) {
      const c = compareStrings(names[(k + i) % n], names[(best + i) % n]);
      if (c < 0) best = k;
      if (c !== 0) break;
    }
  }
  return best;
}

export function rotate<T>(xs: readonly T[], start: number): T[] {
  return [...xs.slice(start), ...xs.slice(0, start)];
}

/** The cycle's normalised names, rotated to its canonical start. */
export function canonicalCycle(classes: readonly string[]): string[] {
  const names = classes.map(normaliseClassName);
  return rotate(names, canonicalRotation(names));
}

/** inconsistent-irq-state usages in a fixed order (the in-irq usage first), whichever lockdep registered first. */
function canonicalUsage(usage: readonly string[]): string[] {
  return [...usage].sort((a, b) => Number(b.startsWith('IN-')) - Number(a.startsWith('IN-')) || compareStrings(a, b));
}

interface KeyParts {
  classes: string[];
  usage: string[];
}

function keyPartsK1(f: FindingShape): KeyParts {
  if (f.kind === 'circular-dependency') return { classes: canonicalCycle(f.classes), usage: [] };
  const classes = f.classes.map(normaliseClassName);
  if (f.kind === 'inconsistent-irq-state') return { classes, usage: canonicalUsage(f.usage ?? []) };
  return { classes, usage: [...(f.usage ?? [])] };
}

function keyK1(f: FindingShape): string {
  const p = keyPartsK1(f);
  return JSON.stringify(p.usage.length ? [...p.classes, p.usage] : p.classes);
}

/**
 * Every key scheme ever used, by name. An ID minted under an older scheme
 * stays valid: findingAliases() recomputes it from the finding, so a store can
 * record it as an alias of the current ID (and ID_ALIASES covers renames that
 * cannot be recomputed).
 */
export const KEY_SCHEMES: Record<string, (f: FindingShape) => string> = { k1: keyK1 };

/**
 * Explicit aliases: an ID that no longer comes out of any scheme (e.g. a kind
 * renamed) -> the ID it is now. Empty while k1 is the only scheme.
 */
export const ID_ALIASES: Readonly<Record<string, string>> = {};

export function findingKey(f: FindingShape, scheme: string = KEY_SCHEME): string {
  const keyOf = KEY_SCHEMES[scheme];
  if (!keyOf) throw new Error(`unknown finding key scheme ${scheme}`);
  return keyOf(f);
}

export function idOfKey(scheme: string, kind: string, key: string): string {
  return createHash('sha256').update(`${scheme}|${kind}|${key}`).digest('hex').slice(0, ID_LENGTH);
}

export function findingId(f: FindingShape, scheme: string = KEY_SCHEME): string {
  return idOfKey(scheme, f.kind, findingKey(f, scheme));
}

/** The finding's IDs under older key schemes that differ from its current ID (none while k1 is the only one). */
export function findingAliases(f: FindingShape): string[] {
  const now = findingId(f);
  const out = new Set<string>();
  for (const scheme of Object.keys(KEY_SCHEMES)) if (scheme !== KEY_SCHEME) out.add(findingId(f, scheme));
  out.delete(now);
  return [...out].sort();
}

/** The current ID an ID stands for: itself, or where the alias table leads (`aliases` e.g. a store's own table). */
export function resolveFindingId(id: string, aliases: Readonly<Record<string, string>> = ID_ALIASES): string {
  let cur = id.toLowerCase();
  for (let hops = 0; hops < 16 && aliases[cur] !== undefined; hops++) cur = aliases[cur];
  return cur;
}

export function isFindingId(s: string): boolean {
  return new RegExp(`^[0-9a-f]{${ID_LENGTH}}$`, 'i').test(s);
}

/** Longest title (characters). */
export const TITLE_MAX = 120;

const TITLE_PREFIX: Record<string, string> = {
  'circular-dependency': 'possible deadlock',
  'recursive-locking': 'possible recursive locking',
  'inconsistent-irq-state': 'inconsistent lock state',
  'irq-safe-unsafe': 'irq lock inversion',
};

/** A name cut to at most `max` characters, its middle elided (both ends usually tell the lock). */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) / 2), tail = max - 1 - head;
  return s.slice(0, head) + '…' + (tail ? s.slice(-tail) : '');
}

/** Control characters never reach a title (names are data). */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

/** `a -> b -> c -> a`, shortened to fit `room` characters: names clipped, then the middle of a long cycle elided. */
function cycleText(names: string[], room: number): string {
  const join = (xs: string[]) => xs.join(' -> ');
  const closed = (xs: string[]) => join([...xs, xs[0]]);
  for (const max of [Infinity, 48, 32, 24]) {
    const xs = names.map((n) => clip(n, max));
    if (closed(xs).length <= room) return closed(xs);
  }
  const xs = names.map((n) => clip(n, 24));
  // Keep the start (and its return at the end) and as many next names as fit.
  for (let keep = Math.min(xs.length - 1, 3); keep >= 1; keep--) {
    const t = join([...xs.slice(0, keep), `… (${xs.length - keep} more)`, xs[0]]);
    if (t.length <= room) return t;
  }
  return clip(closed(xs), room);
}

/**
 * One line, at most TITLE_MAX characters, in the style lockdep and syzbot
 * print: a pure function of the finding's key (normalised names, canonical
 * rotation), so it is the same wherever the ID is.
 */
export function findingTitle(f: FindingShape): string {
  const { classes, usage } = keyPartsK1(f);
  const prefix = `${TITLE_PREFIX[f.kind] ?? f.kind}: `;
  const room = TITLE_MAX - prefix.length;
  let body: string;
  if (f.kind === 'circular-dependency') body = cycleText(classes, room);
  else {
    const states = usage.length ? ` (${usage.join(f.kind === 'irq-safe-unsafe' ? ' -> ' : ' / ')})` : '';
    const names = f.kind === 'irq-safe-unsafe' && classes.length > 1 ? [classes[0], classes[classes.length - 1]] : classes.slice(0, 1);
    const per = Math.max(16, Math.floor((room - states.length - 4 * (names.length - 1)) / names.length));
    body = names.map((n) => clip(n, per)).join(' -> ') + states;
  }
  return clip(printable(prefix + body), TITLE_MAX);
}

/** `{ id, title, ...rest }`: a finding with its identity first (JSON key order), recomputed from its shape. */
export function withIdentity<T extends FindingShape>(f: T): T & { id: string; title: string } {
  const { id: _id, title: _title, ...rest } = f as T & { id?: string; title?: string };
  return { id: findingId(f), title: findingTitle(f), ...rest } as unknown as T & { id: string; title: string };
}
