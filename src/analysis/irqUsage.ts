/**
 * irq-safety usage bits per class, from the flags column at each acquisition,
 * as lockdep's mark_usage() sets them (kernel-semantics §4.1), and the
 * "inconsistent lock state" check of mark_lock_irq()/valid_state() (§4.2).
 * Bits are sticky and never cleared. Acquisitions without a flags column set
 * nothing (their context is unknown).
 */
import { IrqBits } from '../model/eventKind.ts';
import type { Evidence } from '../graph/evidence.ts';

export enum Usage {
  UsedInHardirq = 1 << 0,
  UsedInHardirqRead = 1 << 1,
  EnabledHardirq = 1 << 2,
  EnabledHardirqRead = 1 << 3,
  UsedInSoftirq = 1 << 4,
  UsedInSoftirqRead = 1 << 5,
  EnabledSoftirq = 1 << 6,
  EnabledSoftirqRead = 1 << 7,
}

/** lockdep's usage_str[] */
export const USAGE_NAMES = [
  'IN-HARDIRQ-W', 'IN-HARDIRQ-R', 'HARDIRQ-ON-W', 'HARDIRQ-ON-R',
  'IN-SOFTIRQ-W', 'IN-SOFTIRQ-R', 'SOFTIRQ-ON-W', 'SOFTIRQ-ON-R',
];

/** Bits that conflict with each bit (exclusive_bit(): USED_IN <-> ENABLED; a READ bit conflicts only with the write bit). */
function conflictsOf(bit: number): number {
  const state = bit & ~3; // 0 = hardirq group, 4 = softirq group
  switch (bit & 3) {
    case 0: return (1 << (state + 2)) | (1 << (state + 3)); // USED_IN W vs ENABLED W|R
    case 1: return 1 << (state + 2); // USED_IN R vs ENABLED W
    case 2: return (1 << state) | (1 << (state + 1)); // ENABLED W vs USED_IN W|R
    default: return 1 << state; // ENABLED R vs USED_IN W
  }
}

export interface InconsistentUsage {
  cls: number;
  /** bit index already set */
  oldBit: number;
  /** bit index being set */
  newBit: number;
  oldEvidence: Evidence;
  newEvidence: Evidence;
}

export class IrqUsage {
  readonly bits: number[] = [];
  /** first evidence per (class * 8 + bit) */
  readonly firstSet = new Map<number, Evidence>();
  readonly inconsistencies: InconsistentUsage[] = [];
  private readonly reported = new Set<number>();

  /** The usage bits an acquisition sets (mark_usage()). */
  static bitsFor(irq: number, isTry: boolean, isRead: boolean): number {
    if (irq & (IrqBits.NoFlags | IrqBits.Nmi)) return 0;
    let m = 0;
    if (!isTry) {
      if (irq & IrqBits.Hardirq) m |= isRead ? Usage.UsedInHardirqRead : Usage.UsedInHardirq;
      if (irq & IrqBits.Softirq) m |= isRead ? Usage.UsedInSoftirqRead : Usage.UsedInSoftirq;
    }
    if (!(irq & IrqBits.IrqsOff)) {
      m |= isRead ? Usage.EnabledHardirqRead : Usage.EnabledHardirq;
      // softirqs_enabled: BH not disabled and not serving a softirq; unknown without BH info.
      if (!(irq & (IrqBits.BhOff | IrqBits.Softirq | IrqBits.Hardirq | IrqBits.NoBhInfo))) {
        m |= isRead ? Usage.EnabledSoftirqRead : Usage.EnabledSoftirq;
      }
    }
    return m;
  }

  /** True when marking `m` on the class would set a bit it does not have yet (then mark() it, with evidence). */
  isNew(cls: number, m: number): boolean {
    return (m & ~(this.bits[cls] ?? 0)) !== 0;
  }

  /** Sets the bits; `ev` is kept for the ones that are new. Callers ask isNew() first, so evidence is built only then. */
  mark(cls: number, m: number, ev: Evidence): void {
    while (this.bits.length <= cls) this.bits.push(0);
    const old = this.bits[cls];
    const fresh = m & ~old;
    if (!fresh) return;
    for (let bit = 0; bit < 8; bit++) {
      if (!(fresh & (1 << bit))) continue;
      this.firstSet.set(cls * 8 + bit, ev);
      const clash = old & conflictsOf(bit);
      if (clash) {
        const oldBit = 31 - Math.clz32(clash & -clash);
        const key = cls * 2 + (bit >= 4 ? 1 : 0);
        if (!this.reported.has(key)) {
          this.reported.add(key);
          this.inconsistencies.push({ cls, oldBit, newBit: bit, oldEvidence: this.firstSet.get(cls * 8 + oldBit)!, newEvidence: ev });
        }
      }
    }
    this.bits[cls] = old | m;
  }

  usage(cls: number): number {
    return this.bits[cls] ?? 0;
  }
}
