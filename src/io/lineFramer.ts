/**
 * Stage "frame": splits a byte stream into frames of whole lines of about
 * `frameBytes` each, with the 1-based number of each frame's first line, so
 * frames can be decoded independently (and in parallel) with exact line
 * numbers. A line longer than `maxLineBytes` is never buffered whole: its first
 * maxLineBytes+1 bytes are passed on (the decoder counts it as a long line) and
 * the rest is dropped, so a 1 GB line costs no more memory than the limit.
 */
export interface Frame {
  buf: Buffer;
  firstLine: number;
}

export async function* frameLines(chunks: AsyncIterable<Buffer>, frameBytes: number, maxLineBytes: number): AsyncGenerator<Frame> {
  let complete: Buffer[] = [];
  let completeLen = 0;
  let partial: Buffer[] = [];
  let partialLen = 0;
  let line = 1;
  let skipping = false;

  function take(buf: Buffer): Frame {
    const f: Frame = { buf, firstLine: line };
    let k = -1;
    while ((k = buf.indexOf(0x0a, k + 1)) >= 0) line++;
    return f;
  }

  function* flushComplete(all: boolean): Generator<Frame> {
    if (completeLen === 0) return;
    const buf = complete.length === 1 ? complete[0] : Buffer.concat(complete, completeLen);
    complete = [];
    completeLen = 0;
    let s = 0;
    while (buf.length - s > frameBytes) {
      let cut = buf.lastIndexOf(0x0a, s + frameBytes - 1);
      if (cut < s) cut = buf.indexOf(0x0a, s + frameBytes);
      if (cut < 0 || cut + 1 >= buf.length) break;
      yield take(buf.subarray(s, cut + 1));
      s = cut + 1;
    }
    if (all || buf.length - s >= frameBytes) {
      yield take(buf.subarray(s));
    } else {
      complete.push(buf.subarray(s));
      completeLen = buf.length - s;
    }
  }

  for await (let chunk of chunks) {
    if (skipping) {
      const k = chunk.indexOf(0x0a);
      if (k < 0) continue;
      skipping = false;
      chunk = chunk.subarray(k + 1);
    }
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl < 0) {
      partial.push(Buffer.from(chunk));
      partialLen += chunk.length;
      if (partialLen > maxLineBytes) {
        yield* flushComplete(true);
        const head = Buffer.concat(partial, partialLen).subarray(0, maxLineBytes + 1);
        // The cut line ends with a newline we add; its real newline is skipped below (same line).
        yield take(Buffer.concat([head, Buffer.from('\n')]));
        partial = [];
        partialLen = 0;
        skipping = true;
      }
      continue;
    }
    for (const p of partial) complete.push(p);
    completeLen += partialLen;
    complete.push(chunk.subarray(0, lastNl + 1));
    completeLen += lastNl + 1;
    const rest = chunk.subarray(lastNl + 1);
    partial = rest.length ? [Buffer.from(rest)] : [];
    partialLen = rest.length;
    if (completeLen >= frameBytes) yield* flushComplete(false);
  }
  for (const p of partial) complete.push(p);
  completeLen += partialLen;
  yield* flushComplete(true);
}
