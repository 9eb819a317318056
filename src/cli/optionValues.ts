/**
 * Parsers of option values. A bad value is commander's InvalidArgumentError, which the CLI prints as one
 * line naming the option and the value ("lockreplay: option '--chunk-size <size>' argument '4X' is
 * invalid. …") and exits 2.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from 'commander';

const SIZE_UNITS = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 } as const;
const MAX_FRAME = 1 << 30;

/** A byte count: 4096, 64K, 4M, 1G (binary units, optional B). */
export function parseSize(v: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a size in bytes, like 65536, 64K or 4M');
  const n = Number(m[1]) * SIZE_UNITS[m[2].toLowerCase() as keyof typeof SIZE_UNITS];
  if (n < 1 || n > MAX_FRAME) throw new InvalidArgumentError('expected a size from 1 byte to 1G');
  return n;
}

/**
 * The default --workers: measured (bench/workers.ts, bench/results/workers.json, whole-process medians on
 * the 187 MB `none` text, compressed and not, and its trace.dat): on 2 cores one thread is the fastest,
 * since a decode worker competes with the replaying main thread (and the xz child) for the same two cores.
 * With more cores the decode workers have cores of their own: one per core, as before (not measured on
 * this machine).
 */
export function defaultWorkers(cores = availableParallelism()): number {
  return cores <= 2 ? 1 : cores;
}

export function parseWorkers(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('expected a whole number from 1 to 256');
  return n;
}

/** What --fail-on may select: finding verdicts, or none (exit 1 never). */
export const FAIL_ON_VALUES = ['deadlock', 'unverified', 'benign', 'suppressed', 'none'] as const;
export type FailOn = ReadonlySet<string>;
export const DEFAULT_FAIL_ON: FailOn = new Set(['deadlock']);

/** `deadlock,unverified`: the verdicts whose findings make the run exit 1. */
export function parseFailOn(v: string): FailOn {
  const parts = v.split(',').map((p) => p.trim()).filter((p) => p.length);
  if (!parts.length) throw new InvalidArgumentError(`expected a comma-separated list of ${FAIL_ON_VALUES.join(', ')}`);
  for (const p of parts) {
    if (!(FAIL_ON_VALUES as readonly string[]).includes(p)) throw new InvalidArgumentError(`'${p}' is not one of ${FAIL_ON_VALUES.join(', ')}`);
  }
  if (parts.includes('none') && parts.length > 1) throw new InvalidArgumentError("'none' cannot be combined with verdicts");
  return new Set(parts.filter((p) => p !== 'none'));
}
