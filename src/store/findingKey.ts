/**
 * The store's one door to finding identity: the stable ID and title of a
 * finding, and the normalised name of a class. PROVISIONAL until
 * src/analysis/findingIdentity.ts (issue 15 item 1) lands, then these
 * delegate to it: the scheme here only strips lockdep's boot-dependent `#N`.
 */
import { createHash } from 'node:crypto';
import type { Finding, FindingKind } from '../analysis/findings.ts';

/** A class as the store keys it: lockdep's `#N` (name_version, boot-dependent) dropped, `/N` subclasses kept. */
export function normaliseClass(raw: string): string {
  return raw.replace(/#\d+(?=(\/\d+)?$)/, '');
}

export function findingIdent(kind: FindingKind, classes: string[]): string {
  let names = classes.map(normaliseClass);
  if (kind === 'circular-dependency' && names.length > 1) {
    let best = 0;
    for (let i = 1; i < names.length; i++) if (names[i] < names[best]) best = i;
    names = [...names.slice(best), ...names.slice(0, best)];
  }
  return createHash('sha256').update(JSON.stringify([kind, names])).digest('hex').slice(0, 12);
}

export function findingTitle(f: Finding): string {
  const n = f.classes.map(normaliseClass);
  const t = f.kind === 'circular-dependency' ? `possible deadlock: ${[...n, n[0]].join(' -> ')}`
    : f.kind === 'recursive-locking' ? `possible recursive locking: ${n[0]}`
    : f.kind === 'inconsistent-irq-state' ? `inconsistent lock state: ${n.join(', ')}`
    : `irq lock inversion: ${n.join(' -> ')}`;
  return t.length > 120 ? `${t.slice(0, 119)}…` : t;
}
