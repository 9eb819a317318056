/**
 * The truncated-last-line rule of the line-based decoders. Frames are whole
 * lines (io/lineFramer; a line cut at the line limit gets a newline added), so
 * only the input's very last line can lack its newline, and every producer we
 * read ends each line with one (the kernel's trace output, trace-cmd report,
 * perf script's fprintf()s). A non-blank last line without it is a record cut
 * off mid-way (a capture that was still being written, a copy that stopped):
 * decoding the stub could invent a lock class from a cut-off name (e.g.
 * "&dentry->d_lo"), so the decoders (ftrace text, perf script) count it as
 * 'truncated-record' and skip it.
 */

/** True when [s, e) is the frame's last line (it ends at `next` = buf.length), has no newline and is not blank. */
export function isCutOffLastLine(buf: Uint8Array, s: number, e: number, next: number): boolean {
  const n = buf.length;
  if (next !== n || n === 0 || buf[n - 1] === 0x0a) return false;
  for (let k = s; k < e; k++) if (buf[k] !== 0x20 && buf[k] !== 0x09 && buf[k] !== 0x0d) return true;
  return false;
}
