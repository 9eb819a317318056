/**
 * Exit codes: 0 nothing selected by --fail-on (default: no `deadlock` finding), 1 at least one finding
 * selected by --fail-on, 2 usage errors, unreadable input, and --strict with input warnings (2 wins over 1:
 * a report built on damaged input is not a verdict). 141 = 128 + SIGPIPE: the reader of stdout went away
 * (`lockreplay … | head -1`); a shell reports the same status for a tool killed by SIGPIPE.
 */
export const EXIT_OK = 0;
export const EXIT_DEADLOCK = 1;
export const EXIT_INPUT = 2;
export const EXIT_CLOSED_PIPE = 141;
