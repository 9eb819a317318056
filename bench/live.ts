/**
 * `npm run bench -- --live [--minutes M] [--rate LINES_PER_S]` (never part of npm test): memory of
 * a live replay on an endless stream. A generator writes ftrace lines into `lockreplay replay - --stream
 * jsonl` for M minutes (default 3) at a steady rate (default 20,000 lines/s, a quiet machine's lock traffic
 * through trace_pipe): short-lived tasks (pids reused every 30,000 tasks, each ending with
 * sched_process_exit), nested locks of 200 classes over a bounded pool of instance addresses plus a slow
 * churn of new ones (objects allocated and freed), and an ABBA now and then. The child's VmRSS is sampled
 * every 10 s; bench/results/live.json keeps the samples, the findings streamed and the final report's counts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (n: string, d: number) => {
  const i = process.argv.indexOf(n);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const minutes = arg('--minutes', 3), rate = arg('--rate', 20_000);

const child = spawn(process.execPath, [join(root, 'bin/lockreplay.js'), 'replay', '-', '--stream', 'jsonl'], { stdio: ['pipe', 'pipe', 'inherit'] });
let findings = 0, tail = '', report: { stats?: Record<string, number>; findings?: unknown[] } = {};
child.stdout.on('data', (c: Buffer) => {
  const parts = (tail + c.toString('utf8')).split('\n');
  tail = parts.pop()!;
  for (const l of parts) {
    if (l.startsWith('{"type":"finding"')) findings++;
    else if (l.startsWith('{"type":"report"')) report = JSON.parse(l).report;
  }
});
const done = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));

const rss = (): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

let n = 0, task = 0, fresh = 0;
const addr = (k: number) => `ffff8880${(0x1000000 + k * 64).toString(16).padStart(8, '0')}`;
function line(pid: number, ev: string, body: string): string {
  const us = n++;
  const ts = `${Math.floor(us / 1e6) + 100}.${String(us % 1e6).padStart(6, '0')}`;
  return `${'worker'.padStart(16)}-${String(pid).padEnd(7)} [00${pid & 1}] ..... ${ts.padStart(12)}: ${ev}: ${body}\n`;
}
/** One short-lived task: a few nested sections, then its exit. */
function taskLines(): string {
  const pid = 1000 + (task++ % 30_000);
  let s = '';
  for (let k = 0; k < 4; k++) {
    const c1 = (task * 7 + k) % 200, c2 = (c1 + 1 + (task % 5)) % 200;
    // most instances come from a bounded pool; one in 50 sections touches a never-seen address
    const i1 = task % 50 === 0 && k === 0 ? 100_000 + fresh++ : c1 * 8 + (task % 8), i2 = c2 * 8 + (task % 8);
    s += line(pid, 'lock_acquire', `${addr(i1)} lr_class_${c1}`) + line(pid, 'lock_acquire', `${addr(i2)} lr_class_${c2}`);
    s += line(pid, 'lock_release', `${addr(i2)} lr_class_${c2}`) + line(pid, 'lock_release', `${addr(i1)} lr_class_${c1}`);
  }
  if (task % 100_000 === 0) {
    // an ABBA between two fresh classes now and then
    const a = `lr_abba_${task}_a`, b = `lr_abba_${task}_b`;
    s += line(pid, 'lock_acquire', `${addr(1)} ${a}`) + line(pid, 'lock_acquire', `${addr(2)} ${b}`) + line(pid, 'lock_release', `${addr(2)} ${b}`) + line(pid, 'lock_release', `${addr(1)} ${a}`);
    s += line(pid, 'lock_acquire', `${addr(2)} ${b}`) + line(pid, 'lock_acquire', `${addr(1)} ${a}`) + line(pid, 'lock_release', `${addr(1)} ${a}`) + line(pid, 'lock_release', `${addr(2)} ${b}`);
  }
  return s + line(pid, 'sched_process_exit', `comm=worker pid=${pid} prio=120`);
}

const samples: { s: number; lines: number; rssMB: number }[] = [];
const t0 = Date.now();
const end = t0 + minutes * 60_000;
// sampled on a timer: the writer below may wait for the pipe to drain when the replay falls behind
const sampler = setInterval(() => {
  samples.push({ s: Math.round((Date.now() - t0) / 1000), lines: n, rssMB: Math.round(rss() / 2 ** 20) });
  process.stderr.write(`${JSON.stringify(samples[samples.length - 1])}\n`);
}, 10_000);
let drained: Promise<void> | undefined;
while (Date.now() < end) {
  const target = Math.floor(((Date.now() - t0) / 1000) * rate);
  let chunk = '';
  while (n < target) chunk += taskLines();
  if (chunk && !child.stdin.write(chunk)) {
    drained ??= new Promise<void>((r) => child.stdin.once('drain', () => ((drained = undefined), r())));
    await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
  }
  await new Promise((r) => setTimeout(r, 50));
}
clearInterval(sampler);
child.kill('SIGINT');
const code = await done;
const out = {
  what: 'VmRSS of `lockreplay replay - --stream jsonl` fed by a generator, ended by SIGINT',
  date: new Date().toISOString(), node: process.version, minutes, rate, exitCode: code, streamedFindings: findings,
  report: { events: report.stats?.events, classes: report.stats?.classes, dependencies: report.stats?.dependencies, contexts: report.stats?.contexts, findings: report.findings?.length },
  samples,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/live.json'), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out.report), `streamed ${findings}`, `exit ${code}`);
