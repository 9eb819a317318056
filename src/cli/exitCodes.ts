/** Exit codes: 0 no deadlock finding, 1 at least one, 2 usage errors and unreadable input. */
export const EXIT_OK = 0;
export const EXIT_DEADLOCK = 1;
export const EXIT_INPUT = 2;
