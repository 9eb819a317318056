// Piscina entry point: worker threads do not inherit bin/lockreplay.js's tsx
// loader registration, so register it here before loading the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const task = await import('./decodeTraceDat.ts');
export default task.default;
