/**
 * Named points where a test can stop a real ingest mid-transaction and kill
 * it (tests/store/faults): with LOCKREPLAY_FAULT=<name>, the process says
 * so on stderr and waits there forever, its transaction open. Nothing happens
 * without the variable.
 */
export async function faultPoint(name: string): Promise<void> {
  if (process.env.LOCKREPLAY_FAULT !== name) return;
  process.stderr.write(`lockreplay: fault point ${name} reached\n`);
  setInterval(() => undefined, 1 << 30);
  await new Promise<never>(() => undefined);
}
