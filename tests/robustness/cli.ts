/** Runs the real CLI (node bin/lockreplay.js) as a child process, for the robustness tests. */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(ROOT, 'bin', 'lockreplay.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lockreplay <args>`; `stdin` (bytes or a producer) is piped in when given. */
export function runCli(args: string[], opts: { cwd?: string; stdin?: Buffer | ((w: NodeJS.WritableStream) => Promise<void>) } = {}): Promise<CliRun> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.stdin.on('error', () => {}); // the CLI may exit (e.g. on an error) before reading all of stdin
    p.on('error', rej);
    p.on('close', (code) => res({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (typeof opts.stdin === 'function') void opts.stdin(p.stdin).then(() => p.stdin.end(), () => p.stdin.end());
    else p.stdin.end(opts.stdin ?? Buffer.alloc(0));
  });
}

/** The contract for every run: no stack trace, and an error is exactly one line starting "lockreplay: ". */
export function assertCleanStderr(r: CliRun, expectError: boolean): string[] {
  const lines = r.stderr.split('\n').filter((l) => l.length);
  if (/^\s{4}at /m.test(r.stderr)) throw new Error(`stack trace on stderr:\n${r.stderr}`);
  if (/internal error/.test(r.stderr)) throw new Error(`internal error:\n${r.stderr}`);
  if (expectError && (lines.length !== 1 || !lines[0].startsWith('lockreplay: '))) throw new Error(`expected one error line, got:\n${r.stderr}`);
  return lines;
}
