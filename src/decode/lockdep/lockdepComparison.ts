/**
 * Replayed dependencies vs the kernel's own graph (/proc/lockdep). Names are
 * compared after dropping lockdep's `#N` name_version (it numbers classes that
 * share a name in registration order, which a replay cannot reproduce); `/N`
 * subclasses are kept, since they are distinct classes in both graphs.
 */
import type { LockdepGraph } from './procLockdep.ts';

export interface DependencyPair {
  from: string;
  to: string;
}

export interface LockdepComparison {
  /** Distinct replayed dependencies after name normalisation. */
  replayed: number;
  /** Distinct kernel dependencies after name normalisation. */
  kernel: number;
  /** Replayed dependencies also in the kernel's graph. */
  common: number;
  /** Replayed dependencies whose two classes both exist (by name) in the kernel's class list. */
  replayedOverNamedClasses: number;
  /** ... and of those, how many are kernel dependencies. */
  commonOverNamedClasses: number;
  /** common / replayed, in percent (100 when nothing was replayed). */
  percentInKernel: number;
  /** commonOverNamedClasses / replayedOverNamedClasses, in percent. */
  percentInKernelOverNamedClasses: number;
  onlyInTrace: DependencyPair[];
  onlyInKernel: DependencyPair[];
}

/** Drops `#N` (name_version) before an optional `/N` subclass at the end of a class name. */
export function normaliseClassName(name: string): string {
  return name.replace(/#\d+(?=(\/\d+)?$)/, '');
}

const key = (p: DependencyPair): string => `${p.from}\u0000${p.to}`;

function distinct(pairs: Iterable<DependencyPair>): Map<string, DependencyPair> {
  const m = new Map<string, DependencyPair>();
  for (const p of pairs) {
    const n = { from: normaliseClassName(p.from), to: normaliseClassName(p.to) };
    m.set(key(n), n);
  }
  return m;
}

const byName = (a: DependencyPair, b: DependencyPair): number =>
  a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0;

const pct = (a: number, b: number): number => (b === 0 ? 100 : Math.round((a / b) * 10000) / 100);

export function compareWithLockdep(replayed: Iterable<DependencyPair>, kernel: LockdepGraph): LockdepComparison {
  const r = distinct(replayed);
  const k = distinct(kernel.dependencies);
  const kernelClasses = new Set(kernel.classes.map((c) => normaliseClassName(c.name)));
  const onlyInTrace: DependencyPair[] = [];
  let common = 0, named = 0, commonNamed = 0;
  for (const [id, p] of r) {
    const isNamed = kernelClasses.has(p.from) && kernelClasses.has(p.to);
    if (isNamed) named++;
    if (k.has(id)) {
      common++;
      if (isNamed) commonNamed++;
    } else {
      onlyInTrace.push(p);
    }
  }
  const onlyInKernel = [...k].filter(([id]) => !r.has(id)).map(([, p]) => p);
  onlyInTrace.sort(byName);
  onlyInKernel.sort(byName);
  return {
    replayed: r.size, kernel: k.size, common,
    replayedOverNamedClasses: named, commonOverNamedClasses: commonNamed,
    percentInKernel: pct(common, r.size), percentInKernelOverNamedClasses: pct(commonNamed, named),
    onlyInTrace, onlyInKernel,
  };
}
