/**
 * The main thread's string table. Each decoder (one per input and worker)
 * interns into its own local IDs; batches are taken in input order and their
 * local IDs remapped here, so global IDs follow first appearance in the input,
 * whatever the worker count or chunk size (design note 3).
 */
import type { EventBatch } from './batch.ts';
import { EventKind } from './eventKind.ts';

export class GlobalStrings {
  private ids = new Map<string, number>([['', 0]]);
  private texts: string[] = [''];

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(s, id);
      this.texts.push(s);
    }
    return id;
  }

  text(id: number): string {
    return this.texts[id];
  }

  lookup(s: string): number | undefined {
    return this.ids.get(s);
  }

  get size(): number {
    return this.texts.length;
  }
}

/** Remaps one decoder's local IDs to global IDs, batch by batch, in order. */
export class LocalRemap {
  private map = new Uint32Array(1024);
  private known = 1; // local 0 = '' = global 0
  /**
   * Every local ID so far is its own global ID (the first input of a run
   * interns into an empty table): batches then need no rewriting at all.
   */
  private identity = true;

  constructor(private readonly global: GlobalStrings) {}

  /** Rewrites the batch's string columns in place to global IDs. */
  apply(b: EventBatch): void {
    if (b.strings.length > 0) {
      if (b.stringsFrom !== this.known) {
        throw new Error(`string table out of order: batch ${b.seq} starts at ${b.stringsFrom}, expected ${this.known}`);
      }
      const need = b.stringsFrom + b.strings.length;
      if (need > this.map.length) {
        let n = this.map.length;
        while (n < need) n *= 2;
        const m = new Uint32Array(n);
        m.set(this.map);
        this.map = m;
      }
      for (let i = 0; i < b.strings.length; i++) {
        const local = b.stringsFrom + i;
        const id = (this.map[local] = this.global.intern(b.strings[i]));
        if (id !== local) this.identity = false;
      }
      this.known = need;
    }
    if (this.identity) return;
    const m = this.map;
    const name = b.name, addr = b.addr, comm = b.comm, aux = b.aux;
    for (let i = 0; i < b.length; i++) {
      name[i] = m[name[i]];
      addr[i] = m[addr[i]];
      comm[i] = m[comm[i]];
    }
    // aux is a string ID only for workqueue-queue events (workqueue name); elsewhere it is a count.
    const kind = b.kind;
    for (let i = 0; i < b.length; i++) if (kind[i] === EventKind.WqQueue) aux[i] = m[aux[i]];
  }
}
