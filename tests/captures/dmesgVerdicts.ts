/**
 * lockdep's verdicts from a kernel log (dmesg.txt), the rules of
 * ../shared/tools/dmesg_verdicts.py in TypeScript: each report becomes
 * {kind, header, classes}, classes = the lock classes named before "other info
 * that might help" / "stack backtrace:", lockdep's #N suffix removed, sorted, unique.
 */
export interface KernelReport {
  kind: string;
  header: string;
  classes: string[];
}

const HEADERS: [string, string][] = [
  ['possible circular locking dependency detected', 'circular-dependency'],
  ['possible recursive locking detected', 'recursive-locking'],
  ['inconsistent lock state', 'inconsistent-irq-state'],
  ['-safe -> ', 'irq-safe-unsafe'],
  ['possible irq lock inversion dependency detected', 'irq-inversion'],
  ['bad unlock balance detected', 'bad-unlock-balance'],
  ['held lock freed', 'held-lock-freed'],
  ['lock held when returning to user space', 'held-at-return'],
  ['suspicious RCU usage', 'suspicious-rcu'],
];
const CLASS = /\((.+?)\)\{[^{}]*\}(?:-\{\d+:\d+\})?/g;
const TS = /^\[\s*\d+\.\d+\]\s?/;

export const stripSuffix = (name: string) => name.replace(/#\d+$/, '');

export function parseDmesg(text: string): KernelReport[] {
  const reports: { kind: string; header: string; classes: Set<string> }[] = [];
  let cur: (typeof reports)[number] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').replace(TS, '');
    if (line.includes('WARNING: ') || line.includes('BUG: ')) {
      const kind = HEADERS.find(([h]) => line.includes(h))?.[1];
      if (kind) {
        cur = { kind, header: line.trim(), classes: new Set() };
        reports.push(cur);
        continue;
      }
    }
    if (!cur) continue;
    if (line.startsWith('other info that might help') || line.startsWith('stack backtrace:')) {
      cur = null;
      continue;
    }
    for (const m of line.matchAll(CLASS)) cur.classes.add(stripSuffix(m[1]));
  }
  return reports.map((r) => ({ kind: r.kind, header: r.header, classes: [...r.classes].sort() }));
}
