/**
 * A closed pipe ends the program quietly (`lockreplay replay … | head -1`). Node ignores SIGPIPE and
 * turns the failed write into an EPIPE 'error' event, which, unhandled, prints a stack trace and exits 1
 * (CI would read "deadlock found"). Here it exits 141, the status a shell gives a Unix tool killed by
 * SIGPIPE, so `set -o pipefail` scripts see what they see from `cat` or `grep`.
 */
import { EXIT_CLOSED_PIPE } from './exitCodes.ts';

function onStreamError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(EXIT_CLOSED_PIPE);
  throw e;
}

export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
}
