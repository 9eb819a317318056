/**
 * Which event IDs of this file lockreplay replays, and where their fields are,
 * taken from the file's own format texts: a table indexed by the record's
 * common_type, so the per-event path does one array lookup, no string work.
 */
import { EventKind } from '../../model/eventKind.ts';
import type { EventFormat, FormatField } from './eventFormat.ts';

const WANTED: [system: string, name: string, kind: number][] = [
  ['lock', 'lock_acquire', EventKind.Acquire],
  ['lock', 'lock_release', EventKind.Release],
  ['lock', 'lock_contended', EventKind.Contended],
  ['lock', 'lock_acquired', EventKind.Acquired],
  ['workqueue', 'workqueue_queue_work', EventKind.WqQueue],
  ['workqueue', 'workqueue_activate_work', EventKind.WqActivate],
  ['workqueue', 'workqueue_execute_start', EventKind.WqStart],
  ['workqueue', 'workqueue_execute_end', EventKind.WqEnd],
  ['ftrace', 'print', EventKind.Marker],
  // the stack entry after an event (options/stacktrace, `trace-cmd record -T`): int size; unsigned long caller[]
  ['ftrace', 'kernel_stack', EventKind.Stack],
  ['sched', 'sched_process_exit', EventKind.TaskExit],
  ['sched', 'sched_process_fork', EventKind.TaskFork],
];

/** -1 = field absent. Pointer fields also record their size (4 or 8). */
export class EventLayouts {
  /** EventKind per event ID, -1 = not replayed (any u16 common_type indexes it). */
  readonly kind = new Int8Array(65536).fill(-1);
  // The field tables below are read only for IDs whose kind is set: sized to the largest wanted ID, not
  // 65536 (a small file, e.g. each fuzz case, would zero-fill 2.4 MB for them).
  /** lockdep_addr (lock events) or work (workqueue events). */
  readonly addrOff: Int32Array;
  readonly addrSize: Uint8Array;
  /** __data_loc name (lock events) or workqueue (queue_work). */
  readonly strOff: Int32Array;
  /** queue_work's workqueue when it is a pointer (kernels before 5.12 printed workqueue=%p). */
  readonly wqPtrOff: Int32Array;
  readonly wqPtrSize: Uint8Array;
  /** lock_acquire flags (u32). */
  readonly flagsOff: Int32Array;
  /** workqueue function pointer. */
  readonly funcOff: Int32Array;
  readonly funcSize: Uint8Array;
  /** print: start of the text (runs to the end of the record). */
  readonly bufOff: Int32Array;
  /** kernel_stack: the entry count (int) and the first return address (unsigned long each, longSize bytes). */
  readonly stackSizeOff: Int32Array;
  readonly stackCallerOff: Int32Array;
  /** sched_process_exit's pid / sched_process_fork's child_pid (s32). */
  readonly taskPidOff: Int32Array;
  /** Common fields (the same for every event of a kernel). */
  typeOff = 0;
  typeSize = 2;
  flagsCommonOff = 2;
  pidOff = 4;
  /**
   * Events we want whose format in this file lacks a field the replay needs,
   * by event ID ("system:name"): a record of one is warned about where it
   * is, never at the start of a file that may hold none.
   */
  readonly unusable = new Map<number, string>();

  constructor(formats: EventFormat[]) {
    const wanted = formats.map((f) => (f.id < 0 || f.id > 65535 ? undefined : WANTED.find(([s, n]) => s === f.system && n === f.name)));
    const n = 1 + formats.reduce((m, f, k) => (wanted[k] ? Math.max(m, f.id) : m), 0);
    const off = () => new Int32Array(n).fill(-1);
    this.addrOff = off();
    this.addrSize = new Uint8Array(n);
    this.strOff = off();
    this.wqPtrOff = off();
    this.wqPtrSize = new Uint8Array(n);
    this.flagsOff = off();
    this.funcOff = off();
    this.funcSize = new Uint8Array(n);
    this.bufOff = off();
    this.stackSizeOff = off();
    this.stackCallerOff = off();
    this.taskPidOff = off();
    let commonSet = false;
    for (let k = 0; k < formats.length; k++) {
      const f = formats[k], want = wanted[k];
      if (!want) continue;
      const kind = want[2], id = f.id, F = f.fields;
      const ct = F.get('common_type'), cf = F.get('common_flags'), cp = F.get('common_pid');
      if (!ct || !cf || !cp) {
        this.unusable.set(id, `${f.system}:${f.name}`);
        continue;
      }
      if (!commonSet) {
        this.typeOff = ct.offset;
        this.typeSize = ct.size;
        this.flagsCommonOff = cf.offset;
        this.pidOff = cp.offset;
        commonSet = true;
      }
      const ptr = (fld: FormatField | undefined, off: Int32Array, size: Uint8Array): boolean => {
        if (!fld || (fld.size !== 4 && fld.size !== 8) || fld.dataLoc) return false;
        off[id] = fld.offset;
        size[id] = fld.size;
        return true;
      };
      const loc = (fld: FormatField | undefined): boolean => {
        if (!fld || !fld.dataLoc) return false;
        this.strOff[id] = fld.offset;
        return true;
      };
      let ok: boolean;
      if (kind <= EventKind.Acquired) {
        ok = ptr(F.get('lockdep_addr'), this.addrOff, this.addrSize) && loc(F.get('name'));
        if (kind === EventKind.Acquire) {
          const fl = F.get('flags');
          if (fl && fl.size === 4) this.flagsOff[id] = fl.offset;
          else ok = false;
        }
      } else if (kind === EventKind.Stack) {
        const sz = F.get('size'), caller = F.get('caller');
        ok = sz !== undefined && sz.size === 4 && caller !== undefined;
        if (ok) {
          this.stackSizeOff[id] = sz!.offset;
          this.stackCallerOff[id] = caller!.offset;
        }
      } else if (kind === EventKind.TaskExit || kind === EventKind.TaskFork) {
        const p = F.get(kind === EventKind.TaskExit ? 'pid' : 'child_pid');
        ok = p !== undefined && p.size === 4 && !p.dataLoc;
        if (ok) this.taskPidOff[id] = p!.offset;
      } else if (kind === EventKind.Marker) {
        const b = F.get('buf');
        ok = b !== undefined;
        if (b) this.bufOff[id] = b.offset;
      } else {
        ok = ptr(F.get('work'), this.addrOff, this.addrSize);
        // The function is needed where the replay uses it (queue_work, execute_start). activate_work has
        // one only from 6.x on, execute_end only from 5.2 on (commit e2ab21c3: "work struct %p" before).
        const fnOptional = kind === EventKind.WqActivate || kind === EventKind.WqEnd;
        if (!ptr(F.get('function'), this.funcOff, this.funcSize) && !fnOptional) ok = false;
        if (kind === EventKind.WqQueue && !loc(F.get('workqueue')) && !ptr(F.get('workqueue'), this.wqPtrOff, this.wqPtrSize)) ok = false;
      }
      if (ok) this.kind[id] = kind;
      else this.unusable.set(id, `${f.system}:${f.name}`);
    }
  }
}
