/**
 * Regenerates tests/robustness/corpus/ from the real abba capture (and the repo's traces/):
 *   node --import tsx tests/robustness/makeCorpus.ts
 * Deterministic (no randomness); every file stays under 100 KB. How each file
 * is made is recorded in manifest.json next to its expected outcome, which is
 * maintained by hand there (this script only rewrites the `made` fields and
 * the files).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { firstLengthWordEvent } from '../helpers/ringBufferPage.ts';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'corpus');
const src = resolve(here, '..', '..', '..', 'shared', 'traces', 'abba', 'trace.txt.xz');
if (!existsSync(src)) throw new Error(`capture not found: ${src}`);
mkdirSync(out, { recursive: true });

const sh = (cmd: string, input?: Buffer): Buffer => {
  const r = spawnSync('sh', ['-c', cmd], { input, maxBuffer: 64 << 20 });
  if (r.status !== 0 && !cmd.includes('head')) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
};

// The capture's header plus its first 400 lines: ~40 KB of real trace text.
const head = sh(`xz -dc "${src}" | head -n 412`);
const lines = head.toString('latin1').split('\n');
const headerLines = lines.filter((l) => l.startsWith('#')).length;
const body = lines.slice(headerLines).filter((l) => l.length);
const header = lines.slice(0, headerLines).join('\n') + '\n';
const text = (ls: string[]) => Buffer.from(ls.join('\n') + '\n', 'latin1');
const slice = text([...lines.slice(0, headerLines), ...body.slice(0, 400)]);

const made: Record<string, string> = {};
function put(name: string, data: Buffer, how: string): void {
  if (data.length >= 100 * 1024) throw new Error(`${name} is ${data.length} bytes (limit 100 KB)`);
  writeFileSync(join(out, name), data);
  made[name] = how;
}

put('slice.txt', slice, 'abba trace.txt: header + first 400 event lines');
put('truncated-mid-line.txt', slice.subarray(0, slice.lastIndexOf('\n', slice.length - 2) + 40), 'slice.txt cut 40 bytes into its last line (no final newline)');
const xz = sh('xz -c -6', slice);
put('slice.txt.xz', xz, 'slice.txt | xz -6');
put('truncated.txt.xz', xz.subarray(0, Math.floor(xz.length * 0.6)), 'slice.txt.xz cut at 60% of its bytes');
const corrupt = Buffer.from(xz);
for (let k = 0; k < 16; k++) corrupt[Math.floor(corrupt.length / 2) + k] ^= 0x5a;
put('corrupt.txt.xz', corrupt, 'slice.txt.xz with 16 bytes in the middle XORed with 0x5a');
put('slice.txt.gz', gzipSync(slice), 'slice.txt gzip');
{ const gz = gzipSync(slice); put('truncated.txt.gz', gz.subarray(0, Math.floor(gz.length * 0.6)), 'slice.txt.gz cut at 60% of its bytes'); }
const zst = sh('zstd -q -c', slice);
put('slice.txt.zst', zst, 'slice.txt | zstd');
put('truncated.txt.zst', zst.subarray(0, Math.floor(zst.length * 0.6)), 'slice.txt.zst cut at 60% of its bytes');
put('concatenated.txt', Buffer.concat([slice, slice]), 'slice.txt twice (cat a b): the second header sits mid-file and time goes backwards');
put('concatenated.txt.xz', Buffer.concat([xz, xz]), 'slice.txt.xz twice (two xz streams)');
put('mislabelled-json.txt', Buffer.from(JSON.stringify({ hello: 'world', events: [1, 2, 3] }) + '\n'), 'a JSON document named .txt');
put('mislabelled-binary.txt', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 37 + 11) & 0xff))]), 'an ELF-like binary (deterministic bytes) named .txt');
put('empty.txt', Buffer.alloc(0), 'zero bytes');
{
  const ls = [...lines.slice(0, headerLines), ...body.slice(0, 400)];
  for (const k of [20, 100, 250]) ls[headerLines + k] = ls[headerLines + k].slice(0, 30) + '\0\0\0\0' + ls[headerLines + k].slice(34);
  put('nul-bytes.txt', text(ls), 'slice.txt with 4 NUL bytes over columns 30-33 of event lines 21, 101 and 251 (the timestamp)');
}
put('crlf.txt', Buffer.from(slice.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'), 'slice.txt with CRLF line ends');
put('header-only.txt', Buffer.from(header, 'latin1'), 'abba trace.txt header lines only, no events');
put('garbage-lines.txt', text([...lines.slice(0, headerLines), ...body.slice(0, 100), 'this is not a trace line', '\u00ff\u00fe garbage', ...body.slice(100, 200)]), 'slice with two garbage lines after event line 100');

// perf.data: from the repo's own perf.data fixtures (real perf record output, see traces/README.md)
{
  const fixture = (name: string) => sh(`xz -dc "${resolve(here, '..', '..', 'traces', name)}"`);
  const pipe = fixture('perf-pipe-workqueue.data.xz');
  const file = fixture('perf-no-tracepoints.data.xz');
  put('perf-pipe.data.xz', sh('xz -c -6', pipe), 'traces/perf-pipe-workqueue.data.xz recompressed (pipe-mode perf.data, 598 workqueue events)');
  put('perf-pipe-truncated.data.xz', sh('xz -c -6', pipe.subarray(0, Math.floor(pipe.length * 0.6))), 'the pipe-mode perf.data cut at 60% of its bytes, then xz');
  const badSize = Buffer.from(pipe.subarray(0, 4096));
  badSize.writeBigUInt64LE(32n, 8);
  put('perf-corrupt-header.data', badSize, 'the first 4096 bytes of the pipe-mode perf.data with its header size set to 32');
  put('perf-magic-only.data', pipe.subarray(0, 12), 'the first 12 bytes of the pipe-mode perf.data (magic, half its header)');
  const badAttrs = Buffer.from(file);
  badAttrs.writeBigUInt64LE(BigInt(file.length), 24); // attrs section offset at the end of the file
  put('perf-corrupt-attrs.data.xz', sh('xz -c -6', badAttrs), 'traces/perf-no-tracepoints.data.xz with its attrs section offset set to its own length');
  put('perf-file-truncated.data.xz', sh('xz -c -6', file.subarray(0, 50_000)), 'traces/perf-no-tracepoints.data.xz (file mode) cut to 50,000 bytes');
  put('perf-no-tracepoints.data.xz', sh('xz -c -6', file), 'traces/perf-no-tracepoints.data.xz recompressed (cpu-clock samples only)');
}

// trace.dat: from the repo's kernel-stack cut (traces/abba-stacks-cut.v6.dat, see traces/README.md)
{
  const dat = readFileSync(resolve(here, '..', '..', 'traces', 'abba-stacks-cut.v6.dat'));
  const cpu0 = 32768; // the lr instance's CPU 0 pages (trace-cmd dump --flyrecord)
  const at = firstLengthWordEvent(dat, cpu0);
  const bad = Buffer.from(dat);
  bad.writeUInt32LE(0x80000001, at + 4);
  put('tracedat-event-length.dat', bad, `traces/abba-stacks-cut.v6.dat with the length word of CPU 0's first type_len 0 event (byte ${at}) set to 0x80000001 (the reader stepped backwards for ever; npm run fuzz)`);
  const opt = dat.indexOf(Buffer.from([3, 0, 11, 0, 0, 0])) + 6; // the first BUFFER option (id 3, 11 bytes): u64 offset, "lr\0"
  const past = Buffer.from(dat);
  past.writeBigUInt64LE(BigInt(dat.length + 15), opt);
  put('tracedat-buffer-offset.dat', past, `traces/abba-stacks-cut.v6.dat with its "lr" buffer option (byte ${opt}) pointing 15 bytes past the end of the file (a negative read length, RangeError; npm run fuzz)`);
}

// call stacks in text: ftrace `<stack trace>` blocks (traces/abba-stacks.trace.txt.xz) and perf script
// callchains (traces/perf-pipe-workqueue.script.txt.xz), each cut or garbled where a stack is read
{
  const fixture = (name: string) => sh(`xz -dc "${resolve(here, '..', '..', 'traces', name)}"`).toString('latin1').split('\n');
  const ft = fixture('abba-stacks.trace.txt.xz');
  const ftHeader = ft.filter((l) => l.startsWith('#')).length;
  const ftBody = ft.slice(ftHeader, ftHeader + 600);
  // the last frame line among the first 600 lines, cut 12 bytes in
  let lastFrame = ftBody.length - 1;
  while (!ftBody[lastFrame].startsWith(' => ')) lastFrame--;
  const cut = [...ft.slice(0, ftHeader), ...ftBody.slice(0, lastFrame)].join('\n') + '\n' + ftBody[lastFrame].slice(0, 12);
  put('stack-truncated-frame.txt', Buffer.from(cut, 'latin1'), `traces/abba-stacks.trace.txt.xz: header + event lines up to its last frame line among the first 600 (line ${ftHeader + lastFrame + 1}), cut 12 bytes into it`);
  const garbled = [...ft.slice(0, ftHeader), ...ftBody];
  const frameLines = garbled.map((l, i) => (l.startsWith(' => ') ? i : -1)).filter((i) => i >= 0);
  const bad = [' => \u00ff\u00fe\u0000garbage', ' => func+0xZZ/0x10', ' =>', ` => ${'x'.repeat(5000)}+0x1/0x2`];
  bad.forEach((b, k) => (garbled[frameLines[40 + 100 * k]] = b));
  put('stack-garbled-frames.txt', Buffer.from(garbled.join('\n') + '\n', 'latin1'), `traces/abba-stacks.trace.txt.xz: header + first 600 event lines, with frame lines ${bad.map((_, k) => frameLines[40 + 100 * k] + 1).join(', ')} replaced by binary bytes, a non-hex offset, a bare "=>" and a 5,000-character function name`);
  const ps = fixture('perf-pipe-workqueue.script.txt.xz').slice(0, 400);
  const chainLines = ps.map((l, i) => (l.startsWith('\t') ? i : -1)).filter((i) => i >= 0);
  const psBad = ['\tzzzzzzzz not_an_address', '\tffffffff8138af97', '\t\u00ff\u00fe\u0000', `\tffffffff81000000 ${'y'.repeat(5000)}`];
  psBad.forEach((b, k) => (ps[chainLines[10 + 50 * k]] = b));
  put('perf-script-garbled-callchain.txt', Buffer.from(ps.join('\n') + '\n', 'latin1'), `traces/perf-pipe-workqueue.script.txt.xz: first 400 lines, with callchain lines ${psBad.map((_, k) => chainLines[10 + 50 * k] + 1).join(', ')} replaced by a non-hex address, an address without symbol, binary bytes and a 5,000-character symbol`);
}

const manifestPath = join(out, 'manifest.json');
const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { cases: [] };
for (const c of manifest.cases as { file: string; made?: string }[]) if (made[c.file]) c.made = made[c.file];
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.log(Object.keys(made).join('\n'));
