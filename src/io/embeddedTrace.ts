/**
 * The trace inside an Android systrace / catapult HTML page: the text of its `<script class="trace-data"
 * type="application/text">` elements, wherever in the page they sit (atrace puts ~600 lines of viewer HTML
 * and JavaScript first). The first element whose text is not JSON (the ftrace text; a catapult page may
 * carry a JSON trace in another one) is streamed as the input; the rest of the page is dropped. Line
 * numbers count from the start of that text (a note on the input says so).
 */
import { InputError } from '../model/inputError.ts';
import type { OpenedInput } from './openInput.ts';

const OPEN = Buffer.from('<script class="trace-data"', 'latin1');
const CLOSE = Buffer.from('</script>', 'latin1');
const HEAD_BYTES = 64 * 1024;

/** The last n bytes (a tag may be cut between two chunks). */
const tail = (b: Buffer, n: number): Buffer => b.subarray(Math.max(0, b.length - n));

/** Streams the text of the first non-JSON trace-data element of the page. */
async function* traceText(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  let lead: Buffer = Buffer.alloc(0);
  // seek: the next element; tag: the end of its opening tag; lead: its first bytes (JSON or text?);
  // skip: a JSON element's text; text: the trace
  let state: 'seek' | 'tag' | 'lead' | 'skip' | 'text' = 'seek';
  for await (const c of chunks) {
    buf = buf.length ? Buffer.concat([buf, c]) : c;
    for (;;) {
      if (state === 'seek') {
        const at = buf.indexOf(OPEN);
        if (at < 0) {
          buf = tail(buf, OPEN.length - 1);
          break;
        }
        buf = buf.subarray(at + OPEN.length);
        state = 'tag';
      } else if (state === 'tag') {
        const gt = buf.indexOf(0x3e);
        if (gt < 0) break;
        buf = buf.subarray(gt + 1);
        lead = Buffer.alloc(0);
        state = 'lead';
      } else if (state === 'skip') {
        const end = buf.indexOf(CLOSE);
        if (end < 0) {
          buf = tail(buf, CLOSE.length - 1);
          break;
        }
        buf = buf.subarray(end + CLOSE.length);
        state = 'seek';
      } else {
        const end = buf.indexOf(CLOSE);
        const upTo = end < 0 ? Math.max(0, buf.length - CLOSE.length + 1) : end;
        let piece = buf.subarray(0, upTo);
        buf = buf.subarray(upTo);
        if (state === 'lead') {
          lead = Buffer.concat([lead, piece]);
          const t = lead.toString('latin1').trimStart();
          if (t.length === 0) {
            if (end < 0) break;
            buf = buf.subarray(CLOSE.length); // an empty element
            state = 'seek';
            continue;
          }
          if (t[0] === '{' || t[0] === '[') {
            state = 'skip';
            continue;
          }
          state = 'text';
          piece = lead[0] === 0x0a ? lead.subarray(1) : lead; // the text starts after the tag's newline
        }
        if (piece.length) yield piece;
        if (end >= 0) return;
        break;
      }
    }
  }
}

/** The input narrowed to the trace its page carries; an InputError when the page carries none. */
export async function embeddedTrace(input: OpenedInput): Promise<OpenedInput> {
  const it = traceText(input.chunks)[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let len = 0, done = false;
  while (len < HEAD_BYTES) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    parts.push(r.value);
    len += r.value.length;
  }
  if (len === 0) throw new InputError(input.name, undefined, 'a systrace/catapult HTML page without a text trace in a <script class="trace-data"> element (a page saved with compressed or JSON-only trace data: re-run systrace/atrace to get one with the ftrace text)');
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* parts;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { name: input.name, compression: input.compression, sizeOnDisk: input.sizeOnDisk, bytesRead: input.bytesRead, chunks: chunks(), head: Buffer.concat(parts) };
}
