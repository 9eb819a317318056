/**
 * The user's rules file (`--rules FILE`, JSON, documented in docs/rules.md):
 * what the trace cannot say and the kernel's source does, in the kernel's own
 * terms.
 *  - suppress:    silence a known finding, with a required reason;
 *  - classes:     rename / merge / split lock classes (the offline
 *                 lockdep_set_class() / lockdep_set_subclass());
 *  - pseudoLocks: turn traced events (kprobes, custom tracepoints,
 *                 trace_marker lines) into acquire / release / wait of a
 *                 pseudo-lock, like lockdep's own lock_map_acquire() maps.
 * Parsed once, validated strictly: any problem is an InputError naming the
 * file and the field.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../model/inputError.ts';
import { FINDING_KINDS, type FindingKind } from './findings.ts';

/** Exact name, glob (`*`, `?`), or `/regex/flags`. */
export interface Pattern {
  text: string;
  test(s: string): boolean;
}

export interface SuppressRule {
  where: string;
  kind?: FindingKind;
  classes: Pattern[];
  reason: string;
}

export type ClassRule =
  | { where: string; op: 'rename'; match: Pattern; to: string }
  | { where: string; op: 'merge'; match: Pattern[]; into: string }
  | { where: string; op: 'split'; match: Pattern; byHeld: Pattern };

export type PseudoAction = 'acquire' | 'release' | 'wait';

export interface PseudoLockRule {
  where: string;
  /** Event name as printed before the body (`inode_dio_begin`, `tracing_mark_write`); a `system:` prefix is dropped. */
  event: string;
  /** Body must match (and may capture `(?<instance>...)`). */
  match?: RegExp;
  action: PseudoAction;
  /** Pseudo-lock (class) name. */
  lock: string;
  /** Body field (`ino=...`) whose value is the instance; else the `instance` group of `match`; else one instance. */
  instance?: string;
  read: boolean;
}

export interface Rules {
  file: string;
  suppress: SuppressRule[];
  classes: ClassRule[];
  pseudoLocks: PseudoLockRule[];
}

const KINDS = FINDING_KINDS;
const TOP = ['suppress', 'classes', 'pseudoLocks', 'comment'];

export function loadRules(file: string): Rules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(file, undefined, `cannot read rules file: ${(e as Error).message}`);
  }
  return parseRules(file, text);
}

export function parseRules(file: string, text: string): Rules {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new InputError(file, line ? { line } : undefined, `invalid JSON: ${(e as Error).message}`);
  }
  const bad = (field: string, detail: string): never => {
    throw new InputError(file, undefined, `${field}: ${detail}`);
  };
  if (!isObject(json)) bad('(top level)', 'expected an object with "suppress", "classes" and/or "pseudoLocks"');
  const top = json as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!TOP.includes(k)) bad(k, `unknown field (expected one of: ${TOP.join(', ')})`);
  const list = (k: string): unknown[] => {
    const v = top[k];
    if (v === undefined) return [];
    if (!Array.isArray(v)) bad(k, 'expected an array');
    return v as unknown[];
  };
  const str = (o: Record<string, unknown>, k: string, where: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined) {
      if (required) bad(`${where}.${k}`, 'required string is missing');
      return undefined;
    }
    if (typeof v !== 'string' || v === '') bad(`${where}.${k}`, 'expected a non-empty string');
    return v as string;
  };
  const pat = (v: unknown, where: string): Pattern => {
    if (typeof v !== 'string' || v === '') bad(where, 'expected a non-empty name, glob or /regex/');
    return compilePattern(v as string, (d) => bad(where, d));
  };
  const only = (o: Record<string, unknown>, where: string, allowed: string[]) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${where}.${k}`, `unknown field (expected one of: ${allowed.join(', ')})`);
  };

  const suppress: SuppressRule[] = list('suppress').map((v, i) => {
    const where = `suppress[${i}]`;
    if (!isObject(v)) bad(where, 'expected an object');
    const o = v as Record<string, unknown>;
    only(o, where, ['kind', 'classes', 'reason']);
    const kind = str(o, 'kind', where, false);
    if (kind !== undefined && !KINDS.includes(kind as FindingKind)) bad(`${where}.kind`, `unknown finding kind '${kind}' (expected one of: ${KINDS.join(', ')})`);
    const cl = o.classes;
    if (!Array.isArray(cl) || cl.length === 0) bad(`${where}.classes`, 'expected a non-empty array of names, globs or /regex/');
    const classes = (cl as unknown[]).map((c, j) => pat(c, `${where}.classes[${j}]`));
    const reason = str(o, 'reason', where, true)!;
    return { where, ...(kind ? { kind: kind as FindingKind } : {}), classes, reason };
  });

  const classes: ClassRule[] = list('classes').map((v, i) => {
    const where = `classes[${i}]`;
    if (!isObject(v)) bad(where, 'expected an object');
    const o = v as Record<string, unknown>;
    if ('rename' in o) {
      only(o, where, ['rename', 'to']);
      return { where, op: 'rename', match: pat(o.rename, `${where}.rename`), to: str(o, 'to', where, true)! };
    }
    if ('merge' in o) {
      only(o, where, ['merge', 'into']);
      if (!Array.isArray(o.merge) || o.merge.length === 0) bad(`${where}.merge`, 'expected a non-empty array of names, globs or /regex/');
      return { where, op: 'merge', match: (o.merge as unknown[]).map((m, j) => pat(m, `${where}.merge[${j}]`)), into: str(o, 'into', where, true)! };
    }
    if ('split' in o) {
      only(o, where, ['split', 'byHeld']);
      if (o.byHeld === undefined) bad(`${where}.byHeld`, 'required: the lock (name, glob or /regex/) whose holding splits the class');
      return { where, op: 'split', match: pat(o.split, `${where}.split`), byHeld: pat(o.byHeld, `${where}.byHeld`) };
    }
    return bad(where, 'expected one of "rename", "merge" or "split"');
  });

  const pseudoLocks: PseudoLockRule[] = list('pseudoLocks').map((v, i) => {
    const where = `pseudoLocks[${i}]`;
    if (!isObject(v)) bad(where, 'expected an object');
    const o = v as Record<string, unknown>;
    only(o, where, ['event', 'match', 'action', 'lock', 'instance', 'read']);
    let event = str(o, 'event', where, true)!;
    const colon = event.lastIndexOf(':');
    if (colon >= 0) event = event.slice(colon + 1);
    if (!/^[A-Za-z0-9_.-]+$/.test(event)) bad(`${where}.event`, `'${o.event}' is not an event name`);
    const action = str(o, 'action', where, true)!;
    if (action !== 'acquire' && action !== 'release' && action !== 'wait') bad(`${where}.action`, `expected "acquire", "release" or "wait", not '${action}'`);
    const lock = str(o, 'lock', where, true)!;
    const m = str(o, 'match', where, false);
    let match: RegExp | undefined;
    if (m !== undefined) {
      try {
        match = new RegExp(m);
      } catch (e) {
        bad(`${where}.match`, `invalid regular expression: ${(e as Error).message}`);
      }
    }
    const instance = str(o, 'instance', where, false);
    if (instance !== undefined && !/^[A-Za-z0-9_.-]+$/.test(instance)) bad(`${where}.instance`, `expected a field name such as "ino", not '${instance}'`);
    if (o.read !== undefined && typeof o.read !== 'boolean') bad(`${where}.read`, 'expected true or false');
    return { where, event, ...(match ? { match } : {}), action: action as PseudoAction, lock, ...(instance ? { instance } : {}), read: o.read === true };
  });

  return { file, suppress, classes, pseudoLocks };
}

/** `/re/flags` -> regex; text with `*` or `?` -> glob (whole name); else exact. */
export function compilePattern(text: string, fail: (detail: string) => never): Pattern {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(text);
  if (re) {
    let rx: RegExp;
    try {
      rx = new RegExp(re[1], re[2]);
    } catch (e) {
      return fail(`invalid regular expression: ${(e as Error).message}`);
    }
    return { text, test: (s) => { rx.lastIndex = 0; return rx.test(s); } };
  }
  if (/[*?]/.test(text)) {
    const rx = new RegExp('^' + text.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's');
    return { text, test: (s) => rx.test(s) };
  }
  return { text, test: (s) => s === text };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
