/**
 * pid → comm from the saved_cmdlines section, as trace-cmd report shows
 * them: "<idle>" for pid 0, "<...>" for a pid it has no name for.
 */
export function parseSavedCmdlines(text: Buffer | undefined): Map<number, string> {
  const m = new Map<number, string>();
  if (text) {
    for (const line of text.toString('utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp <= 0) continue;
      const pid = Number(line.slice(0, sp));
      if (Number.isInteger(pid)) m.set(pid, line.slice(sp + 1));
    }
  }
  m.set(0, '<idle>');
  return m;
}

export const UNKNOWN_COMM = '<...>';
