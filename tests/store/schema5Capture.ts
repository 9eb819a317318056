/**
 * A capture written as a lockreplay before schema 6 wrote it: the columns of
 * migrations 1-5 only (no refuted counts), so tests can make the older
 * stores migrations must bring forward. Classes, dependency rollups and
 * evidence; findings are left out (their tables did not change).
 */
import type { SqlRunner } from '../../src/store/engine.ts';
import type { CaptureRecord } from '../../src/store/captureRecord.ts';

export async function writeSchema5Capture(db: SqlRunner, rec: CaptureRecord): Promise<number> {
  const now = new Date().toISOString();
  const [{ id }] = await db.query<{ id: number }>(
    `INSERT INTO captures (content_hash, name, kernel, format, inputs, warnings, tool_version, ingested_at, classes, dependencies, findings)
     VALUES (?, ?, ?, ?, '[]', '[]', '0.0.0-schema5', ?, ?, ?, 0) RETURNING id`,
    [rec.hash, rec.name, rec.kernel, rec.format, now, rec.classes.length, rec.dependencies.length]);
  const classId = new Map<string, number>();
  const names = new Set([...rec.classes.map((c) => c.name), ...rec.dependencies.flatMap((d) => [d.from, d.to])]);
  for (const name of [...names].sort()) {
    await db.exec('INSERT INTO classes (name) VALUES (?) ON CONFLICT (name) DO NOTHING', [name]);
    classId.set(name, (await db.query<{ id: number }>('SELECT id FROM classes WHERE name = ?', [name]))[0].id);
  }
  for (const c of rec.classes) {
    for (const raw of c.raw) await db.exec('INSERT INTO class_aliases (raw_name, class_id) VALUES (?, ?) ON CONFLICT (raw_name) DO NOTHING', [raw, classId.get(c.name)!]);
    await db.exec(
      `INSERT INTO class_kernels (class_id, kernel, usage_bits, ever_written, ever_read, captures, first_capture, last_capture, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      [classId.get(c.name)!, rec.kernel, c.usageBits, c.written ? 1 : 0, c.read ? 1 : 0, id, id, now, now]);
  }
  for (const d of rec.dependencies) {
    const [dep] = await db.query<{ id: number }>(
      `INSERT INTO dependencies (kernel, from_class, to_class, observations, clean, combos, captures, first_capture, last_capture, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`,
      [rec.kernel, classId.get(d.from)!, classId.get(d.to)!, d.observations, d.clean, d.combos, id, id, now, now]);
    for (const r of d.raw) {
      await db.exec(
        `INSERT INTO dependency_evidence (dependency_id, capture_id, from_name, to_name, observations, clean, combos, kinds, gates, first, first_clean)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [dep.id, id, r.from, r.to, r.count, r.clean, r.combos, JSON.stringify(r.kinds), JSON.stringify(r.gates), JSON.stringify(r.first),
          r.firstClean ? JSON.stringify(r.firstClean) : null]);
    }
  }
  return id;
}
