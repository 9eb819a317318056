/**
 * Which file the decode workers load. Worker threads do not inherit the tsx
 * loader registered by bin/lockreplay.js, and registering tsx in every worker
 * costs ~27 MB RSS and a slower start per worker. So the worker task
 * (workers/<task>.ts: decodeFtrace, decodeTraceDat) is bundled once into plain
 * ESM with esbuild (which tsx itself ships), cached in the OS temp dir under a
 * content hash. If that is impossible, workers/<task>.mjs (registers tsx, then
 * imports the task) is used instead: slower and heavier, same results.
 * Started from bin/lockreplay.js, the launcher's bundles (built with the CLI
 * and cached across runs) are used instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type WorkerTask = 'decodeFtrace' | 'decodeTraceDat';

const cached = new Map<WorkerTask, Promise<string>>();

/** URL of the worker entry point of `task` (bundled once per process). */
export function decodeWorkerEntry(task: WorkerTask = 'decodeFtrace'): Promise<string> {
  // bin/lockreplay.js has bundled the workers already (with the CLI, cached across runs).
  const launched = (globalThis as { __lockreplayWorkerBundles?: Partial<Record<WorkerTask, string>> }).__lockreplayWorkerBundles?.[task];
  if (launched) return Promise.resolve(launched);
  let p = cached.get(task);
  if (!p) {
    const shim = new URL(`../../workers/${task}.mjs`, import.meta.url).href;
    cached.set(task, (p = bundle(new URL(`../../workers/${task}.ts`, import.meta.url), task).catch(() => shim)));
  }
  return p;
}

async function bundle(taskUrl: URL, task: WorkerTask): Promise<string> {
  const esbuild = await import('esbuild');
  const piscinaUrl = import.meta.resolve('piscina');
  const r = await esbuild.build({
    entryPoints: [fileURLToPath(taskUrl)], bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: ['piscina'], write: false, logLevel: 'silent',
    // The bundle lives in the temp dir, but its createRequire(import.meta.url) calls (zstd-napi's
    // native binding) must resolve packages from the project, as the task's own source would.
    define: { 'import.meta.url': JSON.stringify(taskUrl.href) },
  });
  // The bundle lives outside the project, so piscina is imported by absolute URL (the same module the pool runs).
  const code = r.outputFiles[0].text.replace(/from\s+["']piscina["']/g, `from ${JSON.stringify(piscinaUrl)}`);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `lockreplay-${task}-${hash}.mjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file).href;
}
