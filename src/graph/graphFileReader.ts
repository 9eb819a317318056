/**
 * Reads a graph file as a stream (stream-json tokens): each capture, class
 * and dependency is assembled and handed over on its own, so a union built
 * from many large files holds only the union, never a whole input. Every
 * record is checked; a malformed one is an InputError naming its JSON path.
 */
import { Readable } from 'node:stream';
import { parser } from 'stream-json';
import Assembler from 'stream-json/assembler.js';
import { openInput, type OpenedInput } from '../io/openInput.ts';
import { InputError } from '../model/inputError.ts';
import { detectFormat } from '../decode/detectFormat.ts';
import { MAX_STACK_FRAMES } from './evidence.ts';
import { GRAPH_SCHEMA, type GraphCapture, type GraphClass, type GraphDependency, type GraphEvidence, type GraphGate } from './graphFile.ts';

export interface GraphSink {
  capture(c: GraphCapture): void;
  cls(c: GraphClass): void;
  dependency(d: GraphDependency): void;
}

type Token = { name: string; value?: unknown };

/** Opens `path` and streams it into `sink`. */
export async function readGraphFile(path: string, sink: GraphSink): Promise<void> {
  const input = await openInput(path);
  await readGraphInput(input, sink);
}

export async function readGraphInput(input: OpenedInput, sink: GraphSink): Promise<void> {
  const name = input.name;
  if (detectFormat(input.head)?.format !== 'graph') throw new InputError(name, { byte: 0 }, 'not a lockreplay graph file');
  const tokens = Readable.from(input.chunks).pipe(parser.asStream({ streamValues: false }));
  let depth = 0;
  let topKey: string | null = null;
  let schema: unknown;
  let asm: Assembler | null = null;
  let index = 0;
  const fail = (detail: string): never => {
    throw new InputError(name, undefined, detail);
  };
  try {
    for await (const tok of tokens as AsyncIterable<Token>) {
      if (asm) {
        asm.consume(tok as never);
        if (asm.done) {
          const v = asm.current;
          const where = `${topKey}[${index++}]`;
          if (topKey === 'captures') sink.capture(checkCapture(v, where, fail));
          else if (topKey === 'classes') sink.cls(checkClass(v, where, fail));
          else sink.dependency(checkDependency(v, where, fail));
          asm = null;
        }
        continue;
      }
      switch (tok.name) {
        case 'startObject':
        case 'startArray':
          if (depth === 2 && (topKey === 'captures' || topKey === 'classes' || topKey === 'dependencies')) {
            asm = new Assembler();
            asm.consume(tok as never);
            continue;
          }
          if (depth === 0 && tok.name !== 'startObject') fail('a graph file is one JSON object');
          if (depth === 1 && tok.name === 'startArray') index = 0;
          depth++;
          break;
        case 'endObject':
        case 'endArray':
          depth--;
          break;
        case 'keyValue':
          if (depth === 1) topKey = tok.value as string;
          break;
        case 'stringValue':
          if (depth === 1 && topKey === 'schema') schema = tok.value;
          else if (depth === 2) fail(`${topKey}: records must be objects`);
          break;
        default:
          if (depth === 2 && /Value$/.test(tok.name)) fail(`${topKey}: records must be objects`);
      }
      if (depth === 1 && topKey === 'schema' && schema !== undefined && schema !== GRAPH_SCHEMA) {
        fail(`unsupported graph schema ${JSON.stringify(schema)} (this lockreplay reads ${GRAPH_SCHEMA})`);
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, undefined, `malformed graph file: ${(e as Error).message}`);
  }
  if (schema !== GRAPH_SCHEMA) fail(`missing or unsupported "schema" (expected ${GRAPH_SCHEMA})`);
}

type Fail = (detail: string) => never;

function obj(v: unknown, where: string, fail: Fail): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where}: expected an object`);
  return v as Record<string, unknown>;
}
function str(o: Record<string, unknown>, k: string, where: string, fail: Fail): string {
  const v = o[k];
  if (typeof v !== 'string') fail(`${where}.${k}: expected a string`);
  return v as string;
}
function int(o: Record<string, unknown>, k: string, where: string, fail: Fail): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${where}.${k}: expected a non-negative integer`);
  return v as number;
}
function strings(o: Record<string, unknown>, k: string, where: string, fail: Fail): string[] {
  const v = o[k];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(`${where}.${k}: expected an array of strings`);
  return v as string[];
}

function checkCapture(v: unknown, where: string, fail: Fail): GraphCapture {
  const o = obj(v, where, fail);
  const c: GraphCapture = { name: str(o, 'name', where, fail), inputs: [] };
  if (o.kernel !== undefined) c.kernel = str(o, 'kernel', where, fail);
  const inputs = o.inputs;
  if (!Array.isArray(inputs)) fail(`${where}.inputs: expected an array`);
  (inputs as unknown[]).forEach((x, i) => {
    const io = obj(x, `${where}.inputs[${i}]`, fail);
    const positions = io.positions;
    if (positions !== 'line' && positions !== 'byte') fail(`${where}.inputs[${i}].positions: expected "line" or "byte"`);
    c.inputs.push({ name: str(io, 'name', `${where}.inputs[${i}]`, fail), positions: positions as 'line' | 'byte' });
  });
  return c;
}

function checkClass(v: unknown, where: string, fail: Fail): GraphClass {
  const o = obj(v, where, fail);
  const usageBits = o.usageBits === undefined ? 0 : int(o, 'usageBits', where, fail);
  if (usageBits > 0xff) fail(`${where}.usageBits: more than 8 bits`);
  return {
    name: str(o, 'name', where, fail), usageBits, usage: o.usage === undefined ? [] : strings(o, 'usage', where, fail),
    written: o.written === true, read: o.read === true, ...(o.lockStat === true ? { lockStat: true } : {}),
  };
}

function checkEvidence(v: unknown, where: string, fail: Fail): GraphEvidence {
  const o = obj(v, where, fail);
  const e: GraphEvidence = {
    capture: str(o, 'capture', where, fail), input: str(o, 'input', where, fail), ts: str(o, 'ts', where, fail),
    cpu: int(o, 'cpu', where, fail), pid: int(o, 'pid', where, fail), comm: str(o, 'comm', where, fail),
    context: str(o, 'context', where, fail), held: strings(o, 'held', where, fail),
  };
  if (!/^\d+(\.\d{1,9})?$/.test(e.ts)) fail(`${where}.ts: expected seconds such as "13.314248"`);
  if (o.line !== undefined) e.line = int(o, 'line', where, fail);
  else if (o.byte !== undefined) e.byte = int(o, 'byte', where, fail);
  else fail(`${where}: needs "line" or "byte"`);
  if (o.heldOmitted !== undefined) e.heldOmitted = int(o, 'heldOmitted', where, fail);
  if (o.uncertain === true) e.uncertain = true;
  if (o.noContext === true) e.noContext = true;
  for (const k of ['stack', 'heldStack'] as const) {
    if (o[k] === undefined) continue;
    const frames = strings(o, k, where, fail);
    // bounded evidence: analysis/stackOut keeps MAX_STACK_FRAMES frames and one "… N more frames" line
    if (frames.length === 0 || frames.length > MAX_STACK_FRAMES + 1) fail(`${where}.${k}: expected 1 to ${MAX_STACK_FRAMES + 1} frames`);
    e[k] = frames;
  }
  return e;
}

function checkDependency(v: unknown, where: string, fail: Fail): GraphDependency {
  const o = obj(v, where, fail);
  const combos = int(o, 'combos', where, fail);
  if (combos === 0 || combos > 0x1ff) fail(`${where}.combos: expected a 9-bit mask with at least one bit`);
  const gatesRaw = o.gates === undefined ? [] : o.gates;
  if (!Array.isArray(gatesRaw)) fail(`${where}.gates: expected an array`);
  const gates: GraphGate[] = (gatesRaw as unknown[]).map((g, i) => {
    const go = obj(g, `${where}.gates[${i}]`, fail);
    return { class: str(go, 'class', `${where}.gates[${i}]`, fail), instance: str(go, 'instance', `${where}.gates[${i}]`, fail) };
  });
  const d: GraphDependency = {
    from: str(o, 'from', where, fail), to: str(o, 'to', where, fail), count: int(o, 'count', where, fail), clean: int(o, 'clean', where, fail),
    combos, kinds: o.kinds === undefined ? [] : strings(o, 'kinds', where, fail),
    first: checkEvidence(o.first, `${where}.first`, fail), gates,
    captures: o.captures === undefined ? [] : strings(o, 'captures', where, fail),
  };
  if (d.count < 1 || d.clean > d.count) fail(`${where}: count must be >= 1 and clean <= count`);
  if (o.firstClean !== undefined) d.firstClean = checkEvidence(o.firstClean, `${where}.firstClean`, fail);
  if (!d.captures.includes(d.first.capture)) d.captures = [...d.captures, d.first.capture].sort();
  return d;
}
