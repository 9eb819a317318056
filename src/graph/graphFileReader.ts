/**
 * Reads a graph file as a stream (stream-json tokens): each capture, class,
 * dependency and recursion is assembled and handed over on its own, so a
 * union built from many large files holds only the union, never a whole
 * input. Every record is checked; a malformed one is an InputError naming its
 * JSON path. lockreplay/graph@1 files are read too: their captures are marked
 * with the finding kinds they cannot support (GraphCapture.cannotReport), and
 * the gate candidates of dependencies seen in several of their captures
 * (intersected across boots by the old merge) are dropped.
 */
import { Readable } from 'node:stream';
import { parser } from 'stream-json';
import Assembler from 'stream-json/assembler.js';
import { openInput, type OpenedInput } from '../io/openInput.ts';
import { InputError } from '../model/inputError.ts';
import { detectFormat } from '../decode/detectFormat.ts';
import { MAX_STACK_FRAMES } from './evidence.ts';
import {
  GRAPH_SCHEMA, GRAPH_SCHEMA_V1, V1_CANNOT_REPORT, compareNames,
  type GraphCapture, type GraphClass, type GraphDependency, type GraphEvidence, type GraphGate, type GraphPlace, type GraphRecursion,
} from './graphFile.ts';
import { USAGE_NAMES } from '../analysis/irqUsage.ts';

export interface GraphSink {
  capture(c: GraphCapture): void;
  cls(c: GraphClass): void;
  dependency(d: GraphDependency): void;
  recursion(r: GraphRecursion): void;
}

const SCHEMAS: unknown[] = [GRAPH_SCHEMA, GRAPH_SCHEMA_V1];
const RECORD_KEYS = ['captures', 'classes', 'dependencies', 'recursions'];

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
  // Records before the "schema" key (valid JSON, never written so) wait until it is known.
  const pending: (() => void)[] = [];
  const hand = (topKey: string | null, v: unknown, where: string) => {
    const deliver = () => {
      const v1 = schema === GRAPH_SCHEMA_V1;
      if (topKey === 'captures') sink.capture(checkCapture(v, where, fail, v1));
      else if (topKey === 'classes') sink.cls(checkClass(v, where, fail));
      else if (topKey === 'dependencies') sink.dependency(checkDependency(v, where, fail, v1));
      else sink.recursion(checkRecursion(v, where, fail));
    };
    if (schema === undefined) pending.push(deliver);
    else deliver();
  };
  try {
    for await (const tok of tokens as AsyncIterable<Token>) {
      if (asm) {
        asm.consume(tok as never);
        if (asm.done) {
          hand(topKey, asm.current, `${topKey}[${index++}]`);
          asm = null;
        }
        continue;
      }
      switch (tok.name) {
        case 'startObject':
        case 'startArray':
          if (depth === 2 && RECORD_KEYS.includes(topKey!)) {
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
      if (depth === 1 && topKey === 'schema' && schema !== undefined) {
        if (!SCHEMAS.includes(schema)) fail(`unsupported graph schema ${JSON.stringify(schema)} (this lockreplay reads ${GRAPH_SCHEMA} and ${GRAPH_SCHEMA_V1})`);
        for (const deliver of pending.splice(0)) deliver();
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(name, undefined, `malformed graph file: ${(e as Error).message}`);
  }
  if (!SCHEMAS.includes(schema)) fail(`missing or unsupported "schema" (expected ${GRAPH_SCHEMA})`);
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

function checkCapture(v: unknown, where: string, fail: Fail, v1: boolean): GraphCapture {
  const o = obj(v, where, fail);
  const c: GraphCapture = { name: str(o, 'name', where, fail), inputs: [] };
  if (o.kernel !== undefined) c.kernel = str(o, 'kernel', where, fail);
  if (o.wqModel !== undefined) {
    if (o.wqModel !== 'shared') fail(`${where}.wqModel: expected "shared"`);
    c.wqModel = 'shared';
  }
  const cannot = new Set(o.cannotReport === undefined ? [] : strings(o, 'cannotReport', where, fail));
  if (v1) for (const k of V1_CANNOT_REPORT) cannot.add(k);
  if (cannot.size) c.cannotReport = [...cannot].sort(compareNames);
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
  const c: GraphClass = {
    name: str(o, 'name', where, fail), usageBits, usage: o.usage === undefined ? [] : strings(o, 'usage', where, fail),
    written: o.written === true, read: o.read === true, ...(o.lockStat === true ? { lockStat: true } : {}),
  };
  if (o.heldAcrossSwitch === true) c.heldAcrossSwitch = true;
  if (o.usageFirst !== undefined) {
    const u = obj(o.usageFirst, `${where}.usageFirst`, fail);
    c.usageFirst = {};
    for (const k of Object.keys(u)) {
      const bit = USAGE_NAMES.indexOf(k);
      if (bit < 0 || !(usageBits & (1 << bit))) fail(`${where}.usageFirst: ${JSON.stringify(k)} is not one of the class's usage bits`);
      c.usageFirst[k] = checkEvidence(u[k], `${where}.usageFirst[${JSON.stringify(k)}]`, fail);
    }
  }
  return c;
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
  if (o.seq !== undefined) e.seq = int(o, 'seq', where, fail);
  if (o.heldOmitted !== undefined) e.heldOmitted = int(o, 'heldOmitted', where, fail);
  if (o.uncertain === true) e.uncertain = true;
  if (o.noContext === true) e.noContext = true;
  if (o.inferred !== undefined) e.inferred = str(o, 'inferred', where, fail);
  if (o.restsOn !== undefined) {
    const p = obj(o.restsOn, `${where}.restsOn`, fail);
    const why = p.why;
    if (why !== 'lost' && why !== 'recovered' && why !== 'class') fail(`${where}.restsOn.why: expected "lost", "recovered" or "class"`);
    e.restsOn = { ...checkPlace(p, `${where}.restsOn`, fail), why: why as 'lost' | 'recovered' | 'class' };
    if (p.class !== undefined) e.restsOn.class = str(p, 'class', `${where}.restsOn`, fail);
  }
  if (o.provenBy !== undefined) e.provenBy = checkPlace(obj(o.provenBy, `${where}.provenBy`, fail), `${where}.provenBy`, fail);
  for (const k of ['stack', 'heldStack'] as const) {
    if (o[k] === undefined) continue;
    const frames = strings(o, k, where, fail);
    // bounded evidence: analysis/stackOut keeps MAX_STACK_FRAMES frames and one "… N more frames" line
    if (frames.length === 0 || frames.length > MAX_STACK_FRAMES + 1) fail(`${where}.${k}: expected 1 to ${MAX_STACK_FRAMES + 1} frames`);
    e[k] = frames;
  }
  return e;
}

function checkPlace(o: Record<string, unknown>, where: string, fail: Fail): GraphPlace {
  const p: GraphPlace = { capture: str(o, 'capture', where, fail), input: str(o, 'input', where, fail) };
  if (o.line !== undefined) p.line = int(o, 'line', where, fail);
  else if (o.byte !== undefined) p.byte = int(o, 'byte', where, fail);
  else fail(`${where}: needs "line" or "byte"`);
  return p;
}

function checkDependency(v: unknown, where: string, fail: Fail, v1: boolean): GraphDependency {
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
  if (o.refuted !== undefined) {
    d.refuted = int(o, 'refuted', where, fail);
    if (d.refuted > d.count) fail(`${where}.refuted: more than count`);
  }
  if (o.firstClean !== undefined) d.firstClean = checkEvidence(o.firstClean, `${where}.firstClean`, fail);
  if (!d.captures.includes(d.first.capture)) d.captures = [...d.captures, d.first.capture].sort(compareNames);
  // graph@1 merges intersected gate addresses across boots: an instance means nothing outside its boot.
  if (v1 && d.captures.length > 1) d.gates = [];
  if (o.idleWorkqueue === true) d.idleWorkqueue = true;
  return d;
}

function readKind(o: Record<string, unknown>, k: string, where: string, fail: Fail): number {
  const n = int(o, k, where, fail);
  if (n > 2) fail(`${where}.${k}: expected 0 (write), 1 (read) or 2 (read in irq context)`);
  return n;
}

function checkRecursion(v: unknown, where: string, fail: Fail): GraphRecursion {
  const o = obj(v, where, fail);
  const r: GraphRecursion = {
    class: str(o, 'class', where, fail), prevRead: readKind(o, 'prevRead', where, fail), nextRead: readKind(o, 'nextRead', where, fail),
    held: checkEvidence(o.held, `${where}.held`, fail), again: checkEvidence(o.again, `${where}.again`, fail),
  };
  if (o.uncertain === true) r.uncertain = true;
  if (o.crossContext === true) r.crossContext = true;
  if (o.refuted === true) r.refuted = true;
  return r;
}
