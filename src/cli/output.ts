/** Shared by the commands: report output, exit codes, option parsing. */
import { CommanderError } from 'commander';
import { writeFileSync } from 'node:fs';
import { renderText, type TextOptions } from '../report/text.ts';
import { renderJson } from '../report/json.ts';
import { renderHtml } from '../report/html.ts';
import type { ReplayResult } from '../report/result.ts';
import { EXIT_DEADLOCK, EXIT_INPUT, EXIT_OK } from './exitCodes.ts';

export type ReportRenderer = (r: ReplayResult, opts?: TextOptions) => string;

/** Report renderers by --format name; html registers itself here too. */
export const RENDERERS: Record<string, ReportRenderer> = { text: renderText, json: renderJson, html: renderHtml };

export function parseSize(v: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(v);
  if (!m) throw new CommanderError(EXIT_INPUT, 'lockreplay.size', `invalid size '${v}'`);
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function emitReport(result: ReplayResult, format: string, out: string | undefined, opts: TextOptions = {}): void {
  const text = (RENDERERS[format] ?? renderText)(result, opts);
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

export function exitCodeOf(result: ReplayResult, strict: boolean): number {
  if (strict && result.warnings.length) return EXIT_INPUT;
  return result.findings.some((f) => f.verdict === 'deadlock') ? EXIT_DEADLOCK : EXIT_OK;
}

