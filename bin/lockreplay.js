#!/usr/bin/env node
// Launcher. Runs the CLI from plain-ESM bundles of the TypeScript sources
// (src/cli/main.ts and the worker tasks in workers/), built with esbuild (which
// tsx ships) and cached in node_modules/.cache/: loading tsx and transpiling
// every module on each start costs ~0.2 s and ~30 MB, and a bundle also lets V8
// fold the per-byte constants the decoders import from each other. The cache
// holds a hash of every source file that went into the bundles and is rebuilt
// when one changes (their sizes and modification times are checked first: when
// none moved, nothing is hashed). If bundling is impossible (no esbuild, read-only
// node_modules, a build error), tsx's loader runs the sources directly: slower
// to start, same results.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Two levels below the root, like src/<dir>/: the sources resolve ../../workers from import.meta.url.
const cacheDir = join(root, 'node_modules', '.cache');
const ENTRIES = { cli: 'src/cli/main.ts', decodeFtrace: 'workers/decodeFtrace.ts', decodeTraceDat: 'workers/decodeTraceDat.ts' };
const manifestFile = join(cacheDir, 'lockreplay-bundles.json');

function hashOf(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
  return h.digest('hex');
}

/** Size and modification time of each file: when none changed, the contents need no hashing (~40 ms a start). */
function statsOf(files) {
  return files.map((f) => {
    const st = statSync(join(root, f));
    return `${st.size}:${st.mtimeMs}`;
  });
}

/** The cached bundles' URLs by entry name, when they are built from the current sources. */
function cached() {
  try {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    // bundles are named relative to the cache (a copied or hard-linked node_modules must not run another tree's)
    if (m.node !== process.version || m.layout !== 2) return undefined;
    const stats = statsOf(m.inputs);
    if (stats.join('\n') === m.stats?.join('\n')) return urlsOf(m.bundles);
    // touched (a checkout, an editor's save) but maybe not changed: the contents decide
    if (hashOf(m.inputs) !== m.hash) return undefined;
    writeManifest({ ...m, stats });
    return urlsOf(m.bundles);
  } catch {
    return undefined;
  }
}

async function build() {
  const esbuild = await import('esbuild');
  const names = Object.keys(ENTRIES);
  const r = await esbuild.build({
    entryPoints: names.map((n) => join(root, ENTRIES[n])), bundle: true, format: 'esm', platform: 'node', target: 'node20',
    packages: 'external', write: false, metafile: true, logLevel: 'silent', outdir: cacheDir, entryNames: 'lockreplay-[name]',
  });
  const inputs = Object.keys(r.metafile.inputs).map((p) => relative(root, resolve(root, p))).sort();
  mkdirSync(cacheDir, { recursive: true });
  const bundles = {};
  for (const name of names) {
    const outPath = join(cacheDir, `lockreplay-${ENTRIES[name].split('/').pop().replace(/\.ts$/, '')}.js`);
    const out = r.outputFiles.find((f) => f.path === outPath);
    if (!out) throw new Error(`esbuild wrote no ${outPath}`);
    const file = join(cacheDir, `lockreplay-${name}.mjs`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, out.contents);
    renameSync(tmp, file);
    bundles[name] = relative(cacheDir, file);
  }
  writeManifest({ node: process.version, layout: 2, hash: hashOf(inputs), stats: statsOf(inputs), inputs, bundles });
  return urlsOf(bundles);
}

/** Bundle file names (relative to the cache) -> URLs to import. */
function urlsOf(names) {
  return Object.fromEntries(Object.entries(names).map(([k, f]) => [k, pathToFileURL(join(cacheDir, f)).href]));
}

function writeManifest(m) {
  const tmp = `${manifestFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(m));
  renameSync(tmp, manifestFile);
}

let bundles;
try {
  bundles = cached() ?? (await build());
} catch {
  bundles = undefined;
}
if (bundles) {
  // src/pipeline/parallelWorkerEntry.ts hands these to the worker pools.
  globalThis.__lockreplayWorkerBundles = { decodeFtrace: bundles.decodeFtrace, decodeTraceDat: bundles.decodeTraceDat };
  await import(bundles.cli);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, ENTRIES.cli)).href);
}
