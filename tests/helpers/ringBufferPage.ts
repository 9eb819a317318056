/** Finding records in a trace.dat ring-buffer page (kernel/trace/ring_buffer.c), for tests that damage one. */

/**
 * Byte offset of the first event with type_len 0 (its length in the u32 after the header) in the page at
 * `page` of a little-endian 64-bit trace.dat (header_page: u64 time stamp, u64 commit, data).
 */
export function firstLengthWordEvent(file: Buffer, page: number): number {
  const end = page + 16 + (file.readUInt32LE(page + 8) & 0x7ffffff);
  for (let p = page + 16; p < end; ) {
    const t = file.readUInt32LE(p) & 31;
    if (t === 0) return p;
    // 1..28: 4 * type_len bytes of data; 29 padding (length in array[0]); 30, 31 time extend / stamp
    p += t <= 28 ? 4 + 4 * t : t === 29 ? 4 + file.readUInt32LE(p + 4) : 8;
  }
  throw new Error(`no type_len 0 event in the page at ${page}`);
}
