/**
 * The store's one door to finding identity: the stable ID and title of a
 * finding, and the normalised name of a class, as every report gives them
 * (src/analysis/findingIdentity.ts, docs/finding-identity.md).
 */
import type { Finding, FindingKind } from '../analysis/findings.ts';
import { findingId, findingTitle as titleOf, normaliseClassName } from '../analysis/findingIdentity.ts';

/** A class as the store keys it: the identity scheme's normalised name (lockdep's `#N` and addresses dropped, `/N` kept). */
export function normaliseClass(raw: string): string {
  return normaliseClassName(raw);
}

export function findingIdent(kind: FindingKind, classes: string[], usage?: string[]): string {
  return findingId({ kind, classes, ...(usage ? { usage } : {}) });
}

export function findingTitle(f: Finding): string {
  return titleOf(f);
}
