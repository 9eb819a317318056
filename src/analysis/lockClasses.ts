/**
 * A lock name is not a class (design note 5). This is the one place that
 * decides which lockdep class an acquisition belongs to:
 *  - by name (the trace carries no class key),
 *  - by instance for workqueue maps, which have had a dynamic key per
 *    workqueue since v5.1 (kernel/workqueue.c: wq_init_lockdep()); two
 *    workqueues with one name are two classes, shown as lockdep does: name#N,
 *  - by implicit subclass: a different instance of a name already held by the
 *    same context is the next subclass (lockdep's *_nested(..., subclass)),
 *    shown as name/N.
 *  - by the user's class rules (--rules `classes`, analysis/rules): rename and
 *    merge map names onto one class name (lockdep_set_class_and_name() with a
 *    shared key); split gives an acquisition made while a lock matching
 *    `byHeld` is held its own class `name[held]` (lockdep_set_class() /
 *    lockdep_set_subclass() on the instances used there).
 * Class IDs are dense and assigned in order of first acquisition.
 */
import type { GlobalStrings } from '../model/globalStrings.ts';
import { isUnvalidated, isWorkqueueMap, readerKindOfName, type ReaderKind } from './knownClasses.ts';
import type { Pattern, Rules } from './rules.ts';
import type { HeldStack } from '../replay/heldStack.ts';

/** lockdep's MAX_LOCKDEP_SUBCLASSES */
export const MAX_SUBCLASSES = 8;

export type WorkqueueModel = 'dynamic' | 'shared';

export class LockClasses {
  /** base class per name ID (static keys), -1 = none yet */
  private staticBase = new Int32Array(1024).fill(-1);
  /** base class per (name, instance) for dynamic keys */
  private dynamicBase = new Map<number, number>();
  /** class per base*8+subclass */
  private classOfSub = new Int32Array(1024).fill(-1);

  /** per base class */
  readonly baseName: number[] = [];
  readonly baseInstanceOrdinal: number[] = [];
  private readonly dynamicCountByName = new Map<number, number>();
  /** per name ID: 0 = not yet classified, 1 = validated, 2 = unvalidated (check=0) */
  private nameCheck = new Uint8Array(1024);
  private nameReader: ReaderKind[] = [];

  /** per class */
  readonly base: number[] = [];
  readonly subclass: number[] = [];
  readonly nameId: number[] = [];
  /** Class written (non-read acquire) anywhere in the capture. */
  readonly everWritten: boolean[] = [];
  readonly everRead: boolean[] = [];
  /**
   * lock_contended/lock_acquired seen for the class: it is a real lock taken
   * through LOCK_CONTENDED() (spinlock, rwlock_t, mutex, rw_semaphore), not a
   * lockdep_map, seqcount or RCU map (analysis/readInterpretation, rule 3).
   */
  readonly lockStat: boolean[] = [];
  /**
   * Class seen held across a context switch or a migration of its holder
   * (replay/replayer noteCpuSwitch): a sleeping lock, so never acquired in
   * interrupt context. Tracked where the trace has no irq flags column.
   */
  readonly heldAcrossSwitch: boolean[] = [];

  /** per raw name ID: class name ID after rename/merge rules (-1 = not yet decided) */
  private ruleName = new Int32Array(0);
  /** per (renamed) name ID: the split rule's held-lock pattern, null = none */
  private readonly splitOf = new Map<number, Pattern | null>();
  private readonly splitName = new Map<string, number>();

  constructor(
    private readonly strings: GlobalStrings,
    private readonly wqModel: WorkqueueModel = 'dynamic',
    private readonly rules?: Rules,
  ) {
    if (rules?.classes.length) this.ruleName = new Int32Array(1024).fill(-1);
  }

  /**
   * The name a class is keyed by: the trace's name, after the rules file's
   * rename/merge, and split by a held lock. Without class rules: the name itself.
   */
  className(nameId: number, held?: HeldStack): number {
    if (this.ruleName.length === 0) return nameId;
    if (nameId >= this.ruleName.length) this.ruleName = growI32(this.ruleName, nameId + 1, -1);
    let n = this.ruleName[nameId];
    if (n < 0) {
      const text = this.strings.text(nameId);
      n = nameId;
      for (const r of this.rules!.classes) {
        if (r.op === 'rename' && r.match.test(text)) { n = this.strings.intern(r.to); break; }
        if (r.op === 'merge' && r.match.some((p) => p.test(text))) { n = this.strings.intern(r.into); break; }
      }
      this.ruleName[nameId] = n;
    }
    let split = this.splitOf.get(n);
    if (split === undefined) {
      const text = this.strings.text(n);
      split = null;
      for (const r of this.rules!.classes) if (r.op === 'split' && r.match.test(text)) { split = r.byHeld; break; }
      this.splitOf.set(n, split);
    }
    if (split && held) {
      for (let k = held.depth - 1; k >= 0; k--) {
        const h = this.strings.text(this.className(held.name[k]));
        if (!split.test(h)) continue;
        const key = `${n},${h}`;
        let id = this.splitName.get(key);
        if (id === undefined) this.splitName.set(key, (id = this.strings.intern(`${this.strings.text(n)}[${h}]`)));
        return id;
      }
    }
    return n;
  }

  get count(): number {
    return this.base.length;
  }

  /** The base class (subclass 0) of an acquisition of name at instance, by a context holding `held`. */
  baseOf(rawNameId: number, instanceId: number, held?: HeldStack): number {
    const nameId = this.className(rawNameId, held);
    if (nameId >= this.staticBase.length) this.staticBase = growI32(this.staticBase, nameId + 1, -1);
    let b = this.staticBase[nameId];
    if (b >= 0) return b;
    if (b === -2) {
      // dynamic-key name: one base class per instance
      const key = nameId * 0x4000000 + instanceId;
      b = this.dynamicBase.get(key) ?? -1;
      if (b < 0) {
        b = this.newBase(nameId);
        this.dynamicBase.set(key, b);
      }
      return b;
    }
    if (this.wqModel === 'dynamic' && isWorkqueueMap(this.strings.text(nameId))) {
      this.staticBase[nameId] = -2;
      return this.baseOf(nameId, instanceId);
    }
    b = this.newBase(nameId);
    this.staticBase[nameId] = b;
    return b;
  }

  private newBase(nameId: number): number {
    const b = this.baseName.length;
    this.baseName.push(nameId);
    const ord = (this.dynamicCountByName.get(nameId) ?? 0) + 1;
    this.dynamicCountByName.set(nameId, ord);
    this.baseInstanceOrdinal.push(ord);
    return b;
  }

  /** The class of (base, subclass), created on first use. */
  classOf(base: number, subclass: number): number {
    const k = base * MAX_SUBCLASSES + subclass;
    if (k >= this.classOfSub.length) this.classOfSub = growI32(this.classOfSub, k + 1, -1);
    let c = this.classOfSub[k];
    if (c < 0) {
      c = this.base.length;
      this.base.push(base);
      this.subclass.push(subclass);
      this.nameId.push(this.baseName[base]);
      this.everWritten.push(false);
      this.everRead.push(false);
      this.lockStat.push(false);
      this.heldAcrossSwitch.push(false);
      this.classOfSub[k] = c;
    }
    return c;
  }

  /** False for check=0 maps (RCU, &dev->mutex): pushed but never validated. */
  isValidated(nameId: number): boolean {
    if (nameId >= this.nameCheck.length) {
      const a = new Uint8Array(Math.max(nameId + 1, this.nameCheck.length * 2));
      a.set(this.nameCheck);
      this.nameCheck = a;
    }
    let v = this.nameCheck[nameId];
    if (v === 0) this.nameCheck[nameId] = v = isUnvalidated(this.strings.text(nameId)) ? 2 : 1;
    return v === 1;
  }

  readerKind(cls: number): ReaderKind {
    const n = this.nameId[cls];
    let k = this.nameReader[n];
    if (k === undefined) this.nameReader[n] = k = readerKindOfName(this.strings.text(n));
    return k;
  }

  /**
   * Display name as lockdep prints it: name, '#N' for the N-th class sharing
   * the name (N >= 2), '/N' for a subclass.
   */
  displayName(cls: number): string {
    const b = this.base[cls];
    let s = this.strings.text(this.baseName[b]);
    const ord = this.baseInstanceOrdinal[b];
    if (ord > 1) s += `#${ord}`;
    const sub = this.subclass[cls];
    if (sub > 0) s += `/${sub}`;
    return s;
  }

  name(cls: number): string {
    return this.strings.text(this.nameId[cls]);
  }
}

function growI32(a: Int32Array, need: number, fill: number): Int32Array<ArrayBuffer> {
  let n = a.length;
  while (n < need) n *= 2;
  const b = new Int32Array(n).fill(fill);
  b.set(a);
  return b;
}
