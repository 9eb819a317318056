/** scripts/lockreplay-capture.sh, the README's "Capturing a trace" script, in --dry-run (no tracefs here). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.ts';

const SCRIPT = join(ROOT, 'scripts/lockreplay-capture.sh');
const run = (...args: string[]) => spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });

describe('lockreplay-capture.sh', () => {
  it('enables only lock and workqueue events, with the flags column, and drains trace_pipe', () => {
    const r = run('--dry-run', '--buffer-kb', '4096', '--out', '/tmp/lr-cap', 'pipe', '--', 'true');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/echo 4096 > \S+\/buffer_size_kb/);
    expect(r.stdout).toMatch(/echo 1 > \S+\/options\/irq-info/);
    expect(r.stdout).toMatch(/events\/lock\/enable/);
    expect(r.stdout).toMatch(/events\/workqueue\/enable/);
    expect(r.stdout).toMatch(/trace_pipe \| zstd/);
    expect(r.stdout).toMatch(/dmesg > \/tmp\/lr-cap\/dmesg.txt/);
  });
  it('records trace-cmd and perf with the same events, perf with lost-event lines', () => {
    expect(run('--dry-run', '--out', '/tmp/lr-cap', 'trace-cmd', '--', 'true').stdout).toMatch(/trace-cmd record -b \d+ -e lock -e workqueue -o \/tmp\/lr-cap\/trace.dat true/);
    expect(run('--dry-run', '--out', '/tmp/lr-cap', 'perf', '--', 'true').stdout).toMatch(/perf script .*--show-lost-events/);
  });
  it('refuses an unknown mode or a missing command with exit 2', () => {
    expect(run('bogus', '--', 'true').status).toBe(2);
    expect(run('--dry-run', 'pipe').status).toBe(2);
  });
});
