/** Where a dependency (or a usage, or a recursion) was seen: enough to find the line and the moment. */
export interface Evidence {
  /** Index of the input in the run's input list. */
  input: number;
  /** Line number (text) or byte offset (binary). */
  pos: number;
  tsNs: number;
  cpu: number;
  pid: number;
  /** Global string ID of the comm. */
  comm: number;
  /** Execution context ID. */
  ctx: number;
  /** Classes held at that moment, bottom to top (before the new acquisition). */
  held: number[];
  /** Recorded while held-lock state was uncertain (lost events, before every CPU's buffer started). */
  uncertain: boolean;
  /** The event had no irq flags column: its context may be an interrupt counted on a task. */
  noContext?: boolean;
}
