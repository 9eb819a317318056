/**
 * What the report says of each input (a file or stream of the capture). It
 * lives in the report layer because the report, graph files and the pipeline
 * that fills it all use it; the pipeline imports it, never the other way.
 */
import type { InputInfo } from '../analysis/evidenceOut.ts';

/** First and last event timestamps of an input, as printed (seconds, trace clock). */
export interface TimeWindowOut {
  first: string;
  last: string;
}

export interface InputSummary extends InputInfo {
  format: string;
  compression: string;
  instance?: string;
  bytes: number;
  /** First and last event timestamps (absent when the input had no event). */
  window?: TimeWindowOut;
  /** What a reader of the report must know about this input (e.g. time window). */
  notes?: string[];
  /** Lock events replayed from this input (only while the run is being built; not in the report). */
  lockEvents?: number;
}
