/**
 * An event's layout from its embedded `format` file (events/<sys>/<event>/format
 * as saved in trace.dat). Offsets differ between kernels, so every field is
 * looked up by name here, never hard-coded.
 */
export interface FormatField {
  name: string;
  offset: number;
  size: number;
  signed: boolean;
  /** `__data_loc`: a u32 whose low 16 bits are the offset, high 16 the length. */
  dataLoc: boolean;
}

export interface EventFormat {
  system: string;
  name: string;
  id: number;
  fields: Map<string, FormatField>;
}

const FIELD = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(-?\d+);/;

/** Parses one format file; undefined when it has no name or ID (the caller warns). */
export function parseEventFormat(system: string, text: string): EventFormat | undefined {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = /^ID:\s*(\d+)/m.exec(text)?.[1];
  if (name === undefined || id === undefined) return undefined;
  const fields = new Map<string, FormatField>();
  for (const line of text.split('\n')) {
    const m = FIELD.exec(line);
    if (!m) continue;
    const decl = m[1].trim();
    const dataLoc = decl.startsWith('__data_loc');
    // the field name is the last identifier, without any [N] suffix
    const ident = /([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/.exec(decl)?.[1];
    if (!ident) continue;
    fields.set(ident, { name: ident, offset: +m[2], size: +m[3], signed: m[4] === '1', dataLoc });
  }
  return { system, name, id: +id, fields };
}

/** The `header_page` file: where the commit word and the data start in a ring-buffer page. */
export interface PageHeaderLayout {
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
}

export function parseHeaderPage(text: string): PageHeaderLayout | undefined {
  const f = parseEventFormat('', `name: header_page\nID: 0\n${text}`)?.fields;
  const commit = f?.get('commit'), data = f?.get('data');
  if (!commit || !data) return undefined;
  return { commitOffset: commit.offset, commitSize: commit.size, dataOffset: data.offset };
}
