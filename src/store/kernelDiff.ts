/**
 * Two kernel versions compared from the store (`lockreplay kernel-diff OLD
 * NEW`), with `diff`'s contract: what NEW adds and drops, and exit 1 when NEW
 * introduces a cycle judged a deadlock. Classes and dependencies are compared
 * by normalised name over each version's union (every capture of it);
 * findings by ID, with their per-version verdicts.
 */
import type { SqlRunner } from './engine.ts';
import { listFindings, type StoredFinding } from './findingQueries.ts';

export const KERNEL_DIFF_SCHEMA = 'lockreplay/kernel-diff@1';

export interface KernelDiffFinding {
  id: string;
  kind: string;
  title: string;
  /** Verdict in OLD and in NEW (absent where the version does not have it). */
  old?: string;
  new?: string;
  crossCapture: boolean;
}

export interface KernelDiff {
  schema: typeof KERNEL_DIFF_SCHEMA;
  old: { kernel: string; captures: number };
  new: { kernel: string; captures: number };
  classes: { added: number; removed: number };
  dependencies: { added: { from: string; to: string }[]; removed: { from: string; to: string }[] };
  findings: { introduced: KernelDiffFinding[]; fixed: KernelDiffFinding[]; changed: KernelDiffFinding[] };
}

async function edges(db: SqlRunner, kernel: string): Promise<Map<string, { from: string; to: string }>> {
  const rows = await db.query<{ f: string; t: string }>(
    `SELECT cf.name AS f, ct.name AS t FROM dependencies d JOIN classes cf ON cf.id = d.from_class JOIN classes ct ON ct.id = d.to_class
     WHERE d.kernel = ? ORDER BY cf.name, ct.name`, [kernel]);
  return new Map(rows.map((r) => [JSON.stringify([r.f, r.t]), { from: r.f, to: r.t }]));
}

async function classNames(db: SqlRunner, kernel: string): Promise<Set<string>> {
  return new Set((await db.query<{ name: string }>('SELECT c.name FROM class_kernels k JOIN classes c ON c.id = k.class_id WHERE k.kernel = ?', [kernel])).map((r) => r.name));
}

async function captureCount(db: SqlRunner, kernel: string): Promise<number> {
  return (await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM captures WHERE kernel = ?', [kernel]))[0].n;
}

export async function diffKernels(db: SqlRunner, oldK: string, newK: string): Promise<KernelDiff> {
  const [eo, en, co, cn] = [await edges(db, oldK), await edges(db, newK), await classNames(db, oldK), await classNames(db, newK)];
  const findings = await listFindings(db);
  const entry = (f: StoredFinding): KernelDiffFinding => {
    const o = f.kernels.find((k) => k.kernel === oldK), n = f.kernels.find((k) => k.kernel === newK);
    const d: KernelDiffFinding = { id: f.id, kind: f.kind, title: f.title, crossCapture: !!(n ?? o)?.crossCapture };
    if (o) d.old = o.verdict;
    if (n) d.new = n.verdict;
    return d;
  };
  const all = findings.map(entry).filter((d) => d.old !== undefined || d.new !== undefined);
  return {
    schema: KERNEL_DIFF_SCHEMA,
    old: { kernel: oldK, captures: await captureCount(db, oldK) },
    new: { kernel: newK, captures: await captureCount(db, newK) },
    classes: { added: [...cn].filter((c) => !co.has(c)).length, removed: [...co].filter((c) => !cn.has(c)).length },
    dependencies: {
      added: [...en].filter(([k]) => !eo.has(k)).map(([, v]) => v),
      removed: [...eo].filter(([k]) => !en.has(k)).map(([, v]) => v),
    },
    findings: {
      introduced: all.filter((d) => d.old === undefined),
      fixed: all.filter((d) => d.new === undefined),
      changed: all.filter((d) => d.old !== undefined && d.new !== undefined && d.old !== d.new),
    },
  };
}

/** diff's exit rule: a cycle NEW introduces, judged a deadlock there. */
export function introducesDeadlock(d: KernelDiff): boolean {
  return d.findings.introduced.some((f) => f.kind === 'circular-dependency' && f.new === 'deadlock');
}

export function renderKernelDiffText(d: KernelDiff): string {
  const out: string[] = [];
  out.push(`lockreplay kernel-diff: ${d.old.kernel} (${d.old.captures} captures) -> ${d.new.kernel} (${d.new.captures} captures)`);
  const { introduced, fixed, changed } = d.findings;
  out.push(`  classes +${d.classes.added} -${d.classes.removed}, dependencies +${d.dependencies.added.length} -${d.dependencies.removed.length}, ` +
    `findings introduced ${introduced.length}, fixed ${fixed.length}, verdict changed ${changed.length}`);
  const line = (f: KernelDiffFinding, v: string) => `  ${f.id}  ${v.padEnd(10)} ${f.title}${f.crossCapture ? '  [cross-capture]' : ''}`;
  if (introduced.length) out.push('', `findings introduced in ${d.new.kernel}:`, ...introduced.map((f) => line(f, f.new!)));
  if (fixed.length) out.push('', `findings gone in ${d.new.kernel}:`, ...fixed.map((f) => line(f, f.old!)));
  if (changed.length) out.push('', 'verdict changed:', ...changed.map((f) => line(f, `${f.old}->${f.new}`)));
  return out.join('\n') + '\n';
}
