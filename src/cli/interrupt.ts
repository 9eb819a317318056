/**
 * SIGINT / SIGTERM during a replay: the first one stops reading (stdin is closed so a read that waits on a
 * quiet trace_pipe ends too) and the report of everything replayed so far is printed, with the usual exit
 * code; a second one ends the process at once (130 / 143, as a shell reports a tool killed by it).
 */
export function stopOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const h = () => {
      if (ctl.signal.aborted) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
      ctl.abort(sig);
      process.stdin.destroy();
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    signal: ctl.signal,
    dispose: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
