#!/usr/bin/env node
// Thin launcher: registers tsx's loader, then runs the TypeScript CLI, so `npx lockreplay` works after `npm ci`.
import { register } from 'tsx/esm/api';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const here = dirname(fileURLToPath(import.meta.url));
await import(pathToFileURL(join(here, '..', 'src', 'cli', 'main.ts')).href);
