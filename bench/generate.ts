/**
 * Seeded synthetic ftrace text with a realistic lock-trace mix: thousands of
 * classes, a few hundred dominating chains nested up to ~10 deep, read and
 * try acquires, contention, hardirq/softirq episodes interleaved on the same
 * CPU (h/s flags), tasks migrating between CPUs, and workqueue events. Same
 * seed + size = same bytes. Used by bench/run.ts and the determinism tests.
 *
 * Chains follow one global class order (no ABBA by construction), and irq
 * chains use their own classes, so the analysis stays cheap and the
 * benchmark measures the pipeline, not cycle enumeration.
 */
import { openSync, writeSync, closeSync } from 'node:fs';

export interface GenOptions {
  seed: number;
  /** Approximate output size in bytes (stops at the first episode past it). */
  bytes: number;
  classes?: number;
  chains?: number;
  cpus?: number;
  tasks?: number;
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEADER = `# tracer: nop
#
# entries-in-buffer/entries-written: 0/0   #P:8
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`;

const NAMES = ['&mm->mmap_lock', '&dentry->d_lock', '&rq->__lock', '&zone->lock', '&inode->i_rwsem', 'rcu_read_lock',
  '&pcp->lock', '&sb->s_type->i_lock_key', '&p->pi_lock', '&lruvec->lru_lock', 'hrtimer_bases.lock', '&ctx->lock'];

/** A chain: its classes in order, each with its acquire mode ('', 'read ', 'try ', 'try read '). */
interface Chain { classes: number[]; modes: string[]; irq: 0 | 1 | 2 }

/** Generates `opts.bytes` of trace text, handing it out in ~1 MB strings. */
export function* generateTrace(opts: GenOptions): Generator<string> {
  const rnd = prng(opts.seed);
  const nClasses = opts.classes ?? 3000, nChains = opts.chains ?? 300, cpus = opts.cpus ?? 8, nTasks = opts.tasks ?? 64;
  const int = (n: number) => Math.floor(rnd() * n);
  const className = (c: number) => `${NAMES[c % NAMES.length]}#${c}`;
  const addr = (c: number, inst: number) => `ffff8880${((c * 16 + inst) * 0x40).toString(16).padStart(8, '0')}`;
  // Classes [0, irqBase) are process-context only; [irqBase, n) irq only (hardirq half, softirq half).
  const irqBase = Math.floor(nClasses * 0.9);
  const modes = (depth: number, inIrq: boolean): string[] => Array.from({ length: depth }, () => {
    const r = rnd();
    return inIrq ? '' : r < 0.08 ? 'read ' : r < 0.12 ? 'try ' : r < 0.13 ? 'try read ' : '';
  });
  const chains: Chain[] = [];
  for (let k = 0; k < nChains; k++) {
    const irq = k % 10 === 0 ? 1 : k % 10 === 1 ? 2 : 0;
    const irqMid = Math.floor((irqBase + nClasses) / 2);
    const lo = irq === 1 ? irqBase : irq === 2 ? irqMid : 0, hi = irq === 1 ? irqMid : irq === 2 ? nClasses : irqBase;
    const depth = irq ? 1 + int(3) : 1 + Math.min(9, Math.floor(-Math.log(1 - rnd()) * 2.5));
    const set = new Set<number>();
    while (set.size < depth) set.add(lo + int(hi - lo));
    chains.push({ classes: [...set].sort((a, b) => a - b), modes: modes(depth, irq !== 0), irq });
  }
  // Zipf-ish pick: a few hundred chains dominate, rare random chains fill in the class count.
  const pickChain = (): Chain => {
    if (rnd() < 0.002) {
      const depth = 1 + int(4);
      const set = new Set<number>();
      while (set.size < depth) set.add(int(irqBase));
      return { classes: [...set].sort((a, b) => a - b), modes: modes(depth, false), irq: 0 };
    }
    return chains[Math.floor(nChains * rnd() ** 2)];
  };
  const tasks = Array.from({ length: nTasks }, (_, i) => ({ comm: i % 5 === 0 ? `kworker/${i % cpus}:${i}` : `task${i}`, pid: 100 + i, cpu: i % cpus }));
  let ts = 5_000_000; // microseconds
  let out = HEADER;
  let written = 0;
  const line = (comm: string, pid: number, cpu: number, flags: string, ev: string, body: string) => {
    ts += 1 + int(3);
    const sec = Math.floor(ts / 1e6), us = ts % 1e6;
    out += `${`${comm}-${pid}`.padStart(16 + String(pid).length + 1 - String(pid).length).padEnd(24)}[${String(cpu).padStart(3, '0')}] ${flags} ${String(sec).padStart(5)}.${String(us).padStart(6, '0')}: ${ev}: ${body}\n`;
  };
  const episode = (t: { comm: string; pid: number; cpu: number }, ch: Chain, flags: string, nestIrq: boolean) => {
    const held: string[] = [];
    for (let d = 0; d < ch.classes.length; d++) {
      const c = ch.classes[d];
      const a = addr(c, rnd() < 0.95 ? 0 : 1 + int(3)), name = className(c);
      const mode = ch.modes[d];
      line(t.comm, t.pid, t.cpu, flags, 'lock_acquire', `${a} ${mode}${name}`);
      if (rnd() < 0.05) line(t.comm, t.pid, t.cpu, flags, 'lock_contended', `${a} ${name}`);
      if (rnd() < 0.3) line(t.comm, t.pid, t.cpu, flags, 'lock_acquired', `${a} ${name}`);
      held.push(`${a} ${name}`);
      if (nestIrq && d === 0 && rnd() < 0.1) {
        // an interrupt arrives on this CPU while the task holds a lock
        const irqCh = chains[(rnd() < 0.5 ? 0 : 1) + 10 * int(Math.floor(nChains / 10))];
        episode({ comm: t.comm, pid: t.pid, cpu: t.cpu }, irqCh, irqCh.irq === 1 ? 'd.h2.' : '..s2.', false);
      }
    }
    while (held.length) line(t.comm, t.pid, t.cpu, flags, 'lock_release', held.pop()!);
  };
  for (;;) {
    const t = tasks[int(nTasks)];
    if (rnd() < 0.05) t.cpu = int(cpus); // migration
    const r = rnd();
    if (r < 0.03) {
      // each work item has a fixed function, workqueue and chain, as in a real kernel
      const k = int(64);
      const work = `ffff8880${(0x7a000000 + k * 0x20).toString(16)}`;
      const fn = `work_fn_${k % 50}`;
      const worker = tasks[(t.cpu * 5) % nTasks];
      const wch = chains[(k * 10 + 3) % nChains];
      line(t.comm, t.pid, t.cpu, 'd..1.', 'workqueue_queue_work', `work struct=${work} function=${fn} workqueue=wq_${k % 20} req_cpu=${t.cpu} cpu=${t.cpu}`);
      line(t.comm, t.pid, t.cpu, 'd..1.', 'workqueue_activate_work', `work struct ${work}`);
      line(worker.comm, worker.pid, t.cpu, '...1.', 'workqueue_execute_start', `work struct ${work}: function ${fn}`);
      episode({ ...worker, cpu: t.cpu }, wch, '...1.', false);
      line(worker.comm, worker.pid, t.cpu, '...1.', 'workqueue_execute_end', `work struct ${work}: function ${fn}`);
    } else {
      let ch = pickChain();
      if (ch.irq) ch = chains[2 + 10 * int(Math.floor(nChains / 10) - 1)];
      episode(t, ch, rnd() < 0.3 ? 'd..2.' : '...1.', true);
    }
    if (out.length >= 1 << 20) {
      yield out;
      written += out.length;
      out = '';
      if (written >= opts.bytes) return;
    }
    if (written + out.length >= opts.bytes) {
      yield out;
      return;
    }
  }
}

/** Writes the generated trace to a file; returns its size. */
export function writeTrace(path: string, opts: GenOptions): number {
  const fd = openSync(path, 'w');
  let n = 0;
  try {
    for (const s of generateTrace(opts)) n += writeSync(fd, s);
  } finally {
    closeSync(fd);
  }
  return n;
}
