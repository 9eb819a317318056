/**
 * Output paths (-o, --save-graph, store files) are checked before any input is read: a missing directory
 * or an unwritable place is a usage error found in a second, not after a whole replay.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../model/inputError.ts';

/** Throws an InputError naming the option and the path when `path` cannot be created or overwritten. */
export function checkOutputPath(option: string, path: string | undefined): void {
  if (path === undefined) return;
  const what = `${option} ${path}`;
  if (path === '') throw new InputError(option, undefined, 'empty output path');
  const full = resolve(path);
  const st = statSync(full, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new InputError(what, undefined, 'is a directory, not a file');
  if (st) {
    try {
      accessSync(full, constants.W_OK);
    } catch {
      throw new InputError(what, undefined, 'the file exists and is not writable');
    }
    return;
  }
  const dir = dirname(full);
  const d = statSync(dir, { throwIfNoEntry: false });
  if (!d) throw new InputError(what, undefined, `directory ${dirname(path)} does not exist (create it first, e.g. mkdir -p ${dirname(path)})`);
  if (!d.isDirectory()) throw new InputError(what, undefined, `${dirname(path)} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(what, undefined, `directory ${dirname(path)} is not writable`);
  }
}
