/**
 * Which file the decode workers load. Worker threads do not inherit the tsx
 * loader registered by bin/lockreplay.js, and registering tsx in every worker
 * costs ~27 MB RSS and a slower start per worker. So the worker task
 * (workers/decodeFtrace.ts) is bundled once into plain ESM with esbuild (which
 * tsx itself ships), cached in the OS temp dir under a content hash. If that
 * is impossible, workers/decodeFtrace.mjs (registers tsx, then imports the
 * task) is used instead: slower and heavier, same results.
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TASK = new URL('../../workers/decodeFtrace.ts', import.meta.url);
export const TSX_SHIM = new URL('../../workers/decodeFtrace.mjs', import.meta.url).href;

let cached: Promise<string> | undefined;

/** URL of the worker entry point (bundled once per process). */
export function decodeWorkerEntry(): Promise<string> {
  cached ??= bundle().catch(() => TSX_SHIM);
  return cached;
}

async function bundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const piscinaUrl = import.meta.resolve('piscina');
  const r = await esbuild.build({
    entryPoints: [fileURLToPath(TASK)], bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: ['piscina'], write: false, logLevel: 'silent',
  });
  // The bundle lives outside the project, so piscina is imported by absolute URL (the same module the pool runs).
  const code = r.outputFiles[0].text.replace(/from\s+["']piscina["']/g, `from ${JSON.stringify(piscinaUrl)}`);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `lockreplay-decodeFtrace-${hash}.mjs`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return pathToFileURL(file).href;
}
