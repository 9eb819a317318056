/**
 * A trace.dat (versions 6 and 7) as a sequence of DecodedFrames: reads the
 * metadata, picks one buffer instance, merges its per-CPU streams by
 * timestamp with the loss markers of cpuMerge.ts, and cuts the result into
 * columnar batches. Stateful and synchronous (frame after frame from one
 * open file), so the same object serves the main thread (--workers 1) and
 * the decode worker (workers/decodeTraceDat.ts): the frames, and so the
 * report, are the same either way.
 *
 * `pos` is the byte offset of the record in the (decompressed) file; inside a
 * compressed v7 chunk it is the offset of the chunk (records in a chunk have
 * no file offset of their own).
 */
import { EventKind, LostFlags } from '../../model/eventKind.ts';
import { InputError } from '../../model/inputError.ts';
import type { DecodedFrame } from '../decoder.ts';
import { eventsPerFrame, FrameSink } from '../frameSink.ts';
import { CpuMerge, MergeItem } from './cpuMerge.ts';
import { CpuRingBuffer } from './cpuRingBuffer.ts';
import { EventLayouts } from './eventLayouts.ts';
import { Kallsyms } from './kallsyms.ts';
import type { RandomAccess } from './randomAccess.ts';
import { RecordDecoder } from './recordDecoder.ts';
import { parseSavedCmdlines, SavedCmdlineComms } from './savedCmdlines.ts';
import { readTraceDatMeta, type BufferInstance } from './traceDatMeta.ts';

/** Events in the first frame; each next one doubles, up to eventsPerFrame(). */
const FIRST_FRAME_EVENTS = 2048;
/** Frames that ramp up (2048 << 5 = 65536, the largest frame; and the shift must stay far from 32 bits). */
const RAMP_FRAMES = 6;

export function describeInstances(instances: BufferInstance[]): string {
  return `instances: ${instances.map((b) => `${JSON.stringify(b.name)} (${b.cpus.length} cpus)`).join(', ')}`;
}

/**
 * The file's own kallsyms, or --kallsyms when the file names no symbol (none stored, or zeroed). Aliases
 * resolve as the kernel and trace-cmd report print them (the first listed).
 */
function ownOrGiven(own: Buffer | undefined, given: Buffer | undefined): Kallsyms {
  const k = new Kallsyms(own, 'first');
  return given && k.empty ? new Kallsyms(given, 'first') : k;
}

/** What the input summary says about a trace.dat (DecodeContext.summary). */
export interface TraceDatSummary {
  positions: 'byte';
  instance: string;
  bytes: number;
  notes: string[];
}

export class TraceDatDecoder {
  readonly summary: TraceDatSummary;
  private readonly merge: CpuMerge | undefined;
  private readonly records: RecordDecoder | undefined;
  private readonly sink: FrameSink;
  private readonly perFrame: number;
  private ended = false;

  constructor(
    file: RandomAccess,
    private readonly input: number,
    frameBytes: number,
    instance: string | undefined,
    /** The traced machine's /proc/kallsyms (--kallsyms): names stack frames when the file stores none. */
    kallsyms?: Buffer,
  ) {
    const meta = readTraceDatMeta(file);
    let inst: BufferInstance | undefined;
    if (instance !== undefined) {
      inst = meta.instances.find((b) => b.name === instance);
      if (!inst) throw new InputError(file.name, undefined, `no buffer instance ${JSON.stringify(instance)} (${describeInstances(meta.instances)})`);
    } else {
      inst = meta.instances.find((b) => b.cpus.some((c) => c.size > 0)) ?? meta.instances[0];
    }
    this.summary = {
      positions: 'byte', instance: inst?.name ?? '', bytes: file.size,
      notes: [`trace.dat v${meta.version}`, describeInstances(meta.instances)],
    };
    this.perFrame = eventsPerFrame(frameBytes);
    const sink = (this.sink = new FrameSink(input, this.perFrame));
    if (!inst) return;
    const layouts = new EventLayouts(meta.formats);
    this.records = new RecordDecoder(
      layouts, meta.little, sink.strings, ownOrGiven(meta.kallsyms, kallsyms),
      new SavedCmdlineComms(sink.strings, parseSavedCmdlines(meta.cmdlines)), meta.longSize,
    );
    const cpus = [...inst.cpus].sort((a, b) => a.cpu - b.cpu);
    this.merge = new CpuMerge(cpus.map((c) => new CpuRingBuffer(file, meta, c.cpu, c, inst.pageSize, inst.compressed)));
  }

  /** Frames handed out so far (their seq are 0 .. frames - 1). */
  get frames(): number {
    return this.sink.seq;
  }

  /**
   * The next frame (undefined after the last one), built in `recycle` (column buffers of a batch the consumer
   * is done with, batchTransferList() order) when they fit, else in new ones.
   */
  next(recycle?: ArrayBuffer[]): DecodedFrame | undefined {
    if (this.ended) return undefined;
    const { merge, records, sink, input } = this;
    const out = sink.out;
    // The first frames are small, so the replay starts while the decoder (often a worker still
    // compiling its code) makes the next ones; then they double up to the full size.
    const perFrame = sink.seq < RAMP_FRAMES ? Math.min(this.perFrame, FIRST_FRAME_EVENTS << sink.seq) : this.perFrame;
    if (merge && records) {
      while (out.length < perFrame && merge.next()) {
        const item = merge.item;
        if (item === MergeItem.Record) {
          records.decode(merge.stream!, out, input, sink.warnings, sink.stats);
        } else if (item === MergeItem.BufferStarted) {
          out.push(EventKind.BufferStarted, merge.ts, merge.cpu, -1, 0, merge.pos);
        } else {
          const i = out.push(EventKind.Lost, merge.ts, merge.cpu, -1, 0, merge.pos);
          out.aux[i] = merge.lost;
          // a flagged page is of one CPU's ring buffer: only that CPU's events are missing
          out.lockFlags[i] = LostFlags.CpuExact | (item === MergeItem.GapStart ? LostFlags.GapStart : 0);
        }
      }
      if (out.length >= perFrame) return sink.flush(recycle);
    }
    this.ended = true;
    // the last frame also carries what came after the last full batch (and is the only one of an empty trace)
    return sink.lastDue ? sink.flush(recycle) : undefined;
  }
}
