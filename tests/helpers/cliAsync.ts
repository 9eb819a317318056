/** The real CLI as a child process that runs beside others (spawn), for tests of concurrent and killed commands. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { CLI, ROOT } from './cli.ts';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], opts: SpawnOptions = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, ...opts, env: { ...process.env, ...opts.env } });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function cliAsync(args: string[], opts: SpawnOptions = {}): Promise<CliRun> {
  return startCli(args, opts).done;
}
