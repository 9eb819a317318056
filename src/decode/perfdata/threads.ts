/**
 * Task comms the way perf script names a sample's task (tools/perf/util/
 * machine.c, thread.c): a thread table fed by COMM and FORK records in
 * delivery order. An unknown tid is ":<tid>" (thread__new()); COMM sets the
 * name; FORK gives the child a fresh entry carrying the parent's name when
 * the parent's was set (thread__fork()), and replaces a parent entry whose
 * pid disagrees with the record (machine__process_fork_event()); EXIT keeps
 * the entry (thread__exited()). tid 0 is "swapper" (machine__idle_thread()).
 * Typed arrays indexed by tid, a Map past them; one interned ID per name.
 */
import type { ByteInterner } from '../../model/byteInterner.ts';

/** tids below this live in arrays; others (corrupt or huge pid_max) in a Map. */
const TID_ARRAY = 1 << 22;

export class ThreadComms {
  /** Per tid: comm string ID + 1 (0 = no entry), its pid (tgid), whether a COMM/FORK named it. */
  private comm = new Int32Array(1024);
  private pid = new Int32Array(1024);
  private named = new Uint8Array(1024);
  private readonly other = new Map<number, { comm: number; pid: number; named: boolean }>();

  constructor(private readonly strings: ByteInterner) {
    this.set(0, 0, strings.internString('swapper'), true);
  }

  /** The comm ID perf script would print for a sample of `tid` (creating the ":tid" entry). */
  commOf(tid: number): number {
    if (tid >= 0 && tid < TID_ARRAY) {
      if (tid < this.comm.length && this.comm[tid] > 0) return this.comm[tid] - 1;
    } else {
      const e = this.other.get(tid);
      if (e) return e.comm;
    }
    return this.create(-1, tid);
  }

  /** PERF_RECORD_COMM: the thread (found or new) takes the name. */
  onComm(pid: number, tid: number, commId: number): void {
    if (!this.has(tid)) this.create(pid, tid);
    this.set(tid, this.pidOf(tid) === -1 ? pid : this.pidOf(tid), commId, true);
  }

  /** PERF_RECORD_FORK: a fresh child entry, named after its parent when the parent was named. */
  onFork(pid: number, tid: number, ppid: number, ptid: number): void {
    if (!this.has(ptid) || this.pidOf(ptid) !== ppid) this.create(ppid, ptid);
    const parentNamed = this.isNamed(ptid);
    const parentComm = this.commOf(ptid);
    this.create(pid, tid);
    if (parentNamed) this.set(tid, pid, parentComm, true);
  }

  private create(pid: number, tid: number): number {
    const id = this.strings.internString(`:${tid}`);
    this.set(tid, pid, id, false);
    return id;
  }

  private has(tid: number): boolean {
    return tid >= 0 && tid < TID_ARRAY ? tid < this.comm.length && this.comm[tid] > 0 : this.other.has(tid);
  }

  private pidOf(tid: number): number {
    return tid >= 0 && tid < TID_ARRAY ? this.pid[tid] : this.other.get(tid)!.pid;
  }

  private isNamed(tid: number): boolean {
    return tid >= 0 && tid < TID_ARRAY ? this.named[tid] === 1 : this.other.get(tid)!.named;
  }

  private set(tid: number, pid: number, commId: number, named: boolean): void {
    if (tid < 0 || tid >= TID_ARRAY) {
      this.other.set(tid, { comm: commId, pid, named });
      return;
    }
    if (tid >= this.comm.length) {
      let n = this.comm.length;
      while (n <= tid) n *= 2;
      const c = new Int32Array(n), p = new Int32Array(n), d = new Uint8Array(n);
      c.set(this.comm);
      p.set(this.pid);
      d.set(this.named);
      this.comm = c;
      this.pid = p;
      this.named = d;
    }
    this.comm[tid] = commId + 1;
    this.pid[tid] = pid;
    this.named[tid] = named ? 1 : 0;
  }
}
