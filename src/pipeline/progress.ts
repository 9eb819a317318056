/**
 * Progress line on stderr (bytes read of total, events/s, ETA), only when
 * stderr is a terminal and CI is not set, so logs and pipes stay clean.
 * Throttled: the per-frame call is a clock read, nothing more.
 */
import { performance } from 'node:perf_hooks';

const EVERY_MS = 250;

export class Progress {
  private readonly t0 = performance.now();
  private last = 0;
  private shown = false;

  constructor(private readonly enabled: boolean) {}

  static forStderr(): Progress {
    return new Progress(!!process.stderr.isTTY && !process.env.CI);
  }

  /** `read`/`total` are on-disk (compressed) bytes; total is unknown for stdin. */
  update(name: string, read: number, total: number | undefined, events: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < EVERY_MS) return;
    this.last = now;
    const sec = (now - this.t0) / 1000;
    let line = `${name}: ${mb(read)}`;
    if (total) {
      line += ` of ${mb(total)} (${((100 * read) / total).toFixed(1)}%)`;
      if (read > 0) line += `, ETA ${Math.max(0, (sec * (total - read)) / read).toFixed(0)} s`;
    }
    line += `, ${Math.round(events / Math.max(sec, 1e-3))} events/s`;
    process.stderr.write(`\r\x1b[K${line}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
