/** Shared by the commands: report output, exit codes, option parsing. */
import { writeFileSync } from 'node:fs';
import { renderText, type TextOptions } from '../report/text.ts';
import { renderJson } from '../report/json.ts';
import { renderHtml } from '../report/html.ts';
import type { ReplayResult } from '../report/result.ts';
import { EXIT_DEADLOCK, EXIT_INPUT, EXIT_OK } from './exitCodes.ts';
import { DEFAULT_FAIL_ON, type FailOn } from './optionValues.ts';

export type ReportRenderer = (r: ReplayResult, opts?: TextOptions) => string;

/** Report renderers by --format name; html registers itself here too. */
export const RENDERERS: Record<string, ReportRenderer> = { text: renderText, json: renderJson, html: renderHtml };

export function emitReport(result: ReplayResult, format: string, out: string | undefined, opts: TextOptions = {}): void {
  const text = (RENDERERS[format] ?? renderText)(result, opts);
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

/**
 * The exit code of a report: 2 under --strict when the input raised warnings (damage; observations of normal
 * kernel behaviour never count), saying on stderr which ones; else 1 when a finding has a verdict --fail-on
 * selects (default: deadlock); else 0. 2 wins over 1: findings from damaged input are no verdict.
 */
export function exitCodeOf(result: ReplayResult, strict: boolean, failOn: FailOn = DEFAULT_FAIL_ON): number {
  if (strict && result.warnings.length) {
    const list = result.warnings.map((w) => {
      const at = w.first[0];
      const where = !at ? '' : at.line !== undefined ? ` first at ${at.input}:${at.line}` : at.byte !== undefined ? ` first at ${at.input} byte ${at.byte}` : ` ${at.input}`;
      return `${w.kind} ${w.count}x${where}`;
    });
    process.stderr.write(`lockreplay: --strict: the input raised ${result.warnings.length === 1 ? 'a warning' : `${result.warnings.length} kinds of warning`}: ${list.join('; ')}\n`);
    return EXIT_INPUT;
  }
  return result.findings.some((f) => failOn.has(f.verdict)) ? EXIT_DEADLOCK : EXIT_OK;
}
