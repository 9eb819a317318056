/**
 * Importer for the kernel's own dependency graph, /proc/lockdep
 * (kernel/locking/lockdep_proc.c: l_show()). Per class:
 *   "<key> FD: <n> BD: <n> [OPS: <n>] <usage>: <name>"
 * then, per direct dependency (locks_after with distance 1):
 *   " -> [<key>] <name>"
 * Names are as lockdep prints them (print_name(): `#N` name_version for
 * classes that share a name, `/N` subclass). The output is a plain graph model
 * so it can be compared with a replay (cli/commands/compareLockdep).
 */
import { frameLines } from '../../io/lineFramer.ts';
import { openInput } from '../../io/openInput.ts';
import { InputError } from '../../model/inputError.ts';

export interface LockdepClass {
  name: string;
  /** Usage characters as printed, e.g. "+.+." (get_usage_chars()). */
  usage: string;
  /** The lock_class_key address (plus subclass) as printed. */
  key: string;
  /** Forward / backward dependency counts (FD / BD). */
  forwardDeps: number;
  backwardDeps: number;
}

export interface LockdepGraph {
  classes: LockdepClass[];
  dependencies: { from: string; to: string }[];
}

const CLASS_LINE = /^([0-9a-f]+|\(?_*ptrval_*\)?)\s+FD:\s*(\d+)\s+BD:\s*(\d+)\s+(?:OPS:\s*\d+\s+)?(\S*):\s(.*)$/;
const DEP_LINE = /^\s+->\s+\[([^\]]*)\]\s(.*)$/;

/** Incremental parser: feed lines in order, then take the graph. */
export class ProcLockdepParser {
  readonly graph: LockdepGraph = { classes: [], dependencies: [] };
  private current: string | undefined;
  private sawHeader = false;

  constructor(private readonly inputName: string) {}

  /** One line (no newline), 1-based line number for errors. */
  line(text: string, lineNo: number): void {
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    if (text.startsWith('all lock classes:')) {
      this.sawHeader = true;
      return;
    }
    if (text.startsWith('all lock chains:') || text.startsWith('irq_context:')) {
      throw new InputError(this.inputName, { line: lineNo }, 'this is /proc/lockdep_chains; give /proc/lockdep (classes and their dependencies)');
    }
    const d = DEP_LINE.exec(text);
    if (d) {
      if (this.current === undefined) throw new InputError(this.inputName, { line: lineNo }, 'dependency line before any lock class');
      this.graph.dependencies.push({ from: this.current, to: d[2] });
      return;
    }
    const c = CLASS_LINE.exec(text);
    if (c) {
      this.sawHeader = true;
      this.current = c[5];
      this.graph.classes.push({ name: c[5], usage: c[4], key: c[1], forwardDeps: Number(c[2]), backwardDeps: Number(c[3]) });
      return;
    }
    if (!this.sawHeader) throw new InputError(this.inputName, { line: lineNo }, 'not a /proc/lockdep dump (expected "all lock classes:")');
    throw new InputError(this.inputName, { line: lineNo }, `unrecognised /proc/lockdep line: ${JSON.stringify(text.slice(0, 80))}`);
  }

  finish(): LockdepGraph {
    if (!this.sawHeader) throw new InputError(this.inputName, { line: 1 }, 'empty /proc/lockdep dump');
    return this.graph;
  }
}

/** Parses /proc/lockdep text (plain or compressed, '-' = stdin) into a graph model. */
export async function readProcLockdep(path: string): Promise<LockdepGraph> {
  const input = await openInput(path);
  const parser = new ProcLockdepParser(input.name);
  for await (const frame of frameLines(input.chunks, 1 << 20, 1 << 16)) {
    const lines = frame.buf.toString('utf8').split('\n');
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    for (let k = 0; k < lines.length; k++) parser.line(lines[k], frame.firstLine + k);
  }
  return parser.finish();
}

/** Parses a whole /proc/lockdep text held in memory. */
export function parseProcLockdep(text: string, inputName = '<lockdep>'): LockdepGraph {
  const parser = new ProcLockdepParser(inputName);
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) parser.line(lines[k], k + 1);
  return parser.finish();
}
