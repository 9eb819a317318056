/** lockreplay's version (package.json), recorded with each capture and migration. */
import { readFileSync } from 'node:fs';

// Two levels below the project root both as a source (src/store/) and as a bundle (node_modules/.cache/).
export const TOOL_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();
