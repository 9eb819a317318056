/**
 * A problem with the user's input, as a value with a position (design note 8).
 * The CLI prints it as one line and exits 2; it never carries a stack trace to
 * the user.
 */
export type Position = { line: number } | { byte: number } | undefined;

export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly position: Position,
    readonly detail: string,
  ) {
    super(formatInputError(input, position, detail));
    this.name = 'InputError';
  }
}

export function formatInputError(input: string, position: Position, detail: string): string {
  let where = input;
  if (position && 'line' in position) where += `:${position.line}`;
  else if (position && 'byte' in position) where += `: byte ${position.byte}`;
  return `${where}: ${detail}`;
}
