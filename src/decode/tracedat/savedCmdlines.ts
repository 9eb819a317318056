/**
 * pid → comm from the saved_cmdlines section, as trace-cmd report shows
 * them: "<idle>" for pid 0, "<...>" for a pid it has no name for.
 */
import type { ByteInterner } from '../../model/byteInterner.ts';
import type { CommIds } from './recordDecoder.ts';

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

/** pids below this get a comm ID from an array; others (corrupt or huge pid_max) from a Map. */
const PID_ARRAY = 1 << 22;

/** The comm of a pid from the saved cmdlines, one interned ID per pid. */
export class SavedCmdlineComms implements CommIds {
  private commIds = new Int32Array(1024).fill(-1);
  private readonly otherCommIds = new Map<number, number>();

  constructor(
    private readonly strings: ByteInterner,
    private readonly cmdlines: Map<number, string>,
  ) {}

  commOf(pid: number): number {
    if (pid >= 0 && pid < PID_ARRAY) {
      if (pid >= this.commIds.length) {
        let n = this.commIds.length;
        while (n <= pid) n *= 2;
        const a = new Int32Array(n).fill(-1);
        a.set(this.commIds);
        this.commIds = a;
      }
      let id = this.commIds[pid];
      if (id < 0) this.commIds[pid] = id = this.strings.internString(this.cmdlines.get(pid) ?? UNKNOWN_COMM);
      return id;
    }
    let id = this.otherCommIds.get(pid);
    if (id === undefined) this.otherCommIds.set(pid, (id = this.strings.internString(this.cmdlines.get(pid) ?? UNKNOWN_COMM)));
    return id;
  }
}
