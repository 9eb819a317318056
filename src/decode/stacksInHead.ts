/**
 * Whether a text capture records call stacks, from its first bytes: ftrace's
 * `<stack trace>` entries, trace-cmd report's `kernel_stack:` events, perf
 * script callchain lines (a tab, a hex address, a blank). Such captures put a
 * stack right after their first event, so the head shows it; the replay then
 * pairs stacks from the input's first event on (replay/stackPairing.ts).
 */
const PERF_CALLCHAIN = /\n\t+[0-9a-f]{4,16} \S/;

export function stacksInHead(head: Buffer): boolean {
  const text = head.toString('latin1');
  return text.includes('<stack trace>') || text.includes('kernel_stack:') || text.includes('<stack trace >') || PERF_CALLCHAIN.test(text);
}
