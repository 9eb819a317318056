/**
 * `--profile`: wall and CPU time per pipeline stage, throughput, worker
 * utilisation, chain-cache hit rate and peak RSS. Only built when asked for,
 * so a normal report stays byte-identical run to run.
 *
 * Main-thread stages are timed around the code that runs them. CPU of a
 * main-thread stage is process CPU over that span (exact with --workers 1;
 * with workers it also counts worker threads running meanwhile). Decode CPU
 * on workers is the workers' own busy time (decoding is synchronous).
 */
import { performance } from 'node:perf_hooks';

export const STAGES = ['read+decompress', 'frame', 'decode', 'remap', 'replay', 'analysis+report'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageFigures {
  wallMs: number;
  cpuMs: number;
}

export interface ProfileReport {
  workers: number;
  wallMs: number;
  cpuMs: number;
  bytesRead: number;
  bytesDecompressed: number;
  events: number;
  mbPerSec: number;
  eventsPerSec: number;
  stages: Record<Stage, StageFigures>;
  /** Share of the decode workers' wall time (N - 1 of them for --workers N) spent decoding (workers > 1). */
  workerUtilisation?: number;
  chainCacheHitRate: number;
  peakRssMb: number;
}

const cpuNowMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export class Profiler {
  readonly stages = Object.fromEntries(STAGES.map((s) => [s, { wallMs: 0, cpuMs: 0 }])) as Record<Stage, StageFigures>;
  private readonly t0 = performance.now();
  private readonly c0 = cpuNowMs();
  bytesRead = 0;
  bytesDecompressed = 0;
  events = 0;
  workerBusyMs = 0;

  constructor(readonly workers: number) {}

  /** Timestamp pair to pass to `end`. */
  start(): [number, number] {
    return [performance.now(), cpuNowMs()];
  }

  end(stage: Stage, t: [number, number]): void {
    const s = this.stages[stage];
    s.wallMs += performance.now() - t[0];
    s.cpuMs += cpuNowMs() - t[1];
  }

  /** Takes back time counted in `stage` that a nested span already counted elsewhere. */
  subtract(stage: Stage, wallMs: number, cpuMs: number): void {
    this.stages[stage].wallMs -= wallMs;
    this.stages[stage].cpuMs -= cpuMs;
  }

  /** Wraps a chunk stream so the time spent waiting for each chunk counts as read+decompress. */
  timeChunks(src: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    const self = this;
    return (async function* () {
      const it = src[Symbol.asyncIterator]();
      for (;;) {
        const t = self.start();
        const r = await it.next();
        self.end('read+decompress', t);
        if (r.done) return;
        yield r.value;
      }
    })();
  }

  report(chainLookups: number, chainHits: number): ProfileReport {
    const wallMs = performance.now() - this.t0;
    const sec = wallMs / 1000;
    const r: ProfileReport = {
      workers: this.workers,
      wallMs: round(wallMs),
      cpuMs: round(cpuNowMs() - this.c0),
      bytesRead: this.bytesRead,
      bytesDecompressed: this.bytesDecompressed,
      events: this.events,
      mbPerSec: round(this.bytesDecompressed / 1e6 / sec),
      eventsPerSec: Math.round(this.events / sec),
      stages: Object.fromEntries(STAGES.map((s) => [s, { wallMs: round(this.stages[s].wallMs), cpuMs: round(this.stages[s].cpuMs) }])) as Record<Stage, StageFigures>,
      chainCacheHitRate: chainLookups ? round(chainHits / chainLookups, 4) : 0,
      peakRssMb: round(process.resourceUsage().maxRSS / 1024),
    };
    // --workers N is the main thread (replay) and N - 1 decode workers (pipeline/parallelDecode.ts).
    if (this.workers > 1) r.workerUtilisation = round(this.workerBusyMs / ((this.workers - 1) * wallMs), 3);
    return r;
  }
}

function round(x: number, digits = 1): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

/** The human-readable form printed to stderr. */
export function formatProfile(p: ProfileReport): string {
  const lines = [
    `profile: ${p.workers} worker(s), wall ${p.wallMs} ms, cpu ${p.cpuMs} ms, ${p.bytesDecompressed} bytes (${p.mbPerSec} MB/s), ${p.events} events (${p.eventsPerSec}/s)`,
  ];
  for (const s of STAGES) lines.push(`  ${s.padEnd(16)} wall ${String(p.stages[s].wallMs).padStart(10)} ms  cpu ${String(p.stages[s].cpuMs).padStart(10)} ms`);
  if (p.workerUtilisation !== undefined) lines.push(`  worker utilisation ${(p.workerUtilisation * 100).toFixed(1)}%`);
  lines.push(`  chain-cache hit rate ${(p.chainCacheHitRate * 100).toFixed(2)}%, peak RSS ${p.peakRssMb} MB`);
  return lines.join('\n') + '\n';
}
