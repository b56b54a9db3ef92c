/**
 * Reading flow files: format detection, `.gz`, stdin, line splitting, malformed-line reports.
 *
 * `readFlows(path | '-', opts)` streams FlowRecords (request direction, de-duplicated) and keeps
 * its counters in `reader.stats`. `parseFlowLine(line, state)` is the same per-line step for
 * callers that already have lines (follow mode, tests).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAscii } from 'node:buffer';
import { InputError } from '../../generator/model/errors.ts';
import type { FlowRecord } from '../../generator/model/flow.ts';
import { genericRecordFrom, isGenericCsvHeader, isGenericObject, parseGenericCsvLine } from './generic.ts';
import { hubbleDecoderOf, hubbleRecordsFrom, isHubbleObject, parseHubbleLine, readsInPlace } from './hubble/index.ts';
import { gadgetRecordsFrom, isGadgetObject } from './inspektor-gadget.ts';
import { calicoRecordsFrom, isCalicoObject } from './calico.ts';
import {
  createFlowParseState,
  emptyFlowReadStats,
  reportMalformed,
  type FlowFormat,
  type FlowParseOptions,
  type FlowParseState,
  type FlowReadStats,
} from './state.ts';
import { ConnectionCache } from './dedup.ts';
import { decompressed, fileChunks } from './chunks.ts';

const EMPTY: FlowRecord[] = [];

/** The format one line announces, or undefined when it could be anything. */
export function detectLineFormat(line: string): FlowFormat | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  if (t.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch {
      return undefined;
    }
    return detectObjectFormat(obj);
  }
  return isGenericCsvHeader(t) ? 'generic-csv' : undefined;
}

export function detectObjectFormat(obj: unknown): FlowFormat | undefined {
  if (isHubbleObject(obj)) return 'hubble';
  if (isGadgetObject(obj)) return 'inspektor-gadget';
  if (isCalicoObject(obj)) return 'calico';
  if (isGenericObject(obj)) return 'generic-jsonl';
  return undefined;
}

/**
 * Parses one line into records (pushed to `out`, which is returned). Blank lines are ignored,
 * `#` lines are comments (counted as skipped). When `state.format` is not set yet, this line
 * decides it; a line of no known format is reported as malformed.
 */
export function parseFlowLine(line: string, state: FlowParseState, out: FlowRecord[] = []): FlowRecord[] {
  state.line++;
  state.stats.lines++;
  let text = line;
  const last = text.charCodeAt(text.length - 1);
  if (last === 13 || last === 32 || text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9) text = text.trim();
  if (text === '') return out;
  if (text.charCodeAt(0) === 35 /* # */) {
    state.stats.skipped++;
    return out;
  }
  if (state.format === undefined) {
    state.format = detectLineFormat(text);
    if (state.format === undefined) {
      reportMalformed(state, `unknown flow format: expected ${EXPECTED}`);
      return out;
    }
    state.stats.format = state.format;
  }
  const before = out.length;
  try {
    dispatchLine(text, state, out);
  } catch (err) {
    unreadable(state, out, before, err);
  }
  return out;
}

/**
 * A reader threw on a value no rule foresaw (an object where text belongs, say): the line is
 * counted malformed with the error, and whatever it had emitted is taken back, so one crafted line
 * never stops a file, a stream or a server.
 */
function unreadable(state: FlowParseState, out: FlowRecord[], before: number, err: unknown): void {
  state.stats.records -= out.length - before;
  out.length = before;
  reportMalformed(state, `could not be read (${err instanceof Error ? err.message : String(err)})`);
}

function dispatchLine(text: string, state: FlowParseState, out: FlowRecord[]): void {
  switch (state.format) {
    case 'hubble':
      parseHubbleLine(text, state, out);
      break;
    case 'generic-csv':
      parseGenericCsvLine(text, state, out);
      break;
    case 'inspektor-gadget':
    case 'calico':
    case 'generic-jsonl': {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        reportMalformed(state, `invalid JSON (${(err as Error).message})`);
        break;
      }
      parseFlowObject(obj, state, out);
      break;
    }
  }
}

/**
 * `parseFlowLine` of the line held by the bytes b[start, end) (UTF-8), for a state whose format is
 * known: a Hubble line is read in place; the rest, and lines that need trimming, as text.
 */
export function parseFlowBytes(b: Buffer, start: number, end: number, state: FlowParseState, out: FlowRecord[] = []): FlowRecord[] {
  if (state.format !== 'hubble' || !readsInPlace(b, start, end)) return parseFlowLine(decode(b, start, end), state, out);
  state.line++;
  state.stats.lines++;
  const before = out.length;
  try {
    hubbleDecoderOf(state).parseBytes(b, start, end, out);
  } catch (err) {
    unreadable(state, out, before, err);
  }
  return out;
}

/** Dispatches one decoded object by the state's format (or by its own shape). */
export function parseFlowObject(obj: unknown, state: FlowParseState, out: FlowRecord[] = []): FlowRecord[] {
  const before = out.length;
  try {
    const format = state.format === 'generic-csv' || state.format === undefined ? detectObjectFormat(obj) : state.format;
    if (format === 'hubble') hubbleRecordsFrom(obj, state, out);
    else if (format === 'inspektor-gadget') gadgetRecordsFrom(obj, state, out);
    else if (format === 'calico') calicoRecordsFrom(obj, state, out);
    else if (format === 'generic-jsonl') genericRecordFrom(obj, state, out);
    else reportMalformed(state, `unknown flow format: expected ${EXPECTED}`);
  } catch (err) {
    unreadable(state, out, before, err);
  }
  return out;
}

const EXPECTED =
  'Hubble jsonpb/json lines ({"flow":{...}}), Inspektor Gadget network events, Calico flow logs (OSS Goldmane/Whisker or Enterprise), generic JSONL ({"source":..,"destination":..}) or CSV with a source,destination,... header (see docs/flow-format.md)';

export interface ProgressInfo {
  readonly file: string;
  readonly stats: Readonly<FlowReadStats>;
}

export interface ReadFlowsOptions extends Omit<FlowParseOptions, 'file' | 'stats'> {
  /** Called after every chunk read (every 256 KiB or so): lines, bytes, records so far. */
  readonly onProgress?: (progress: ProgressInfo) => void;
  /** The stream read for `-` (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
  /** Read buffer size. Default 256 KiB (a chunk that stays in the CPU's cache while its lines are read). */
  readonly chunkSize?: number;
  /** How many first meaningful lines may be tried to detect the format. Default 5. */
  readonly detectLines?: number;
  /** Longer lines are reported as malformed and skipped without being held (default 16 MiB). */
  readonly maxLineBytes?: number;
  /** Told about each file a folder holds that is not read: a FIFO, socket or device (reading one could block forever). */
  readonly onSkipFile?: (file: string, reason: string) => void;
}

/** The longest line any reader holds (files, stdin, follow mode): 16 MiB. */
export const MAX_LINE_BYTES = 16 * 2 ** 20;

export interface FlowReader extends AsyncIterable<FlowRecord> {
  /** Counters, updated while reading. */
  readonly stats: FlowReadStats;
  /** The records in batches (one per chunk read): cheaper than one await per record. */
  batches(): AsyncIterable<FlowRecord[]>;
}

const FLOW_FILE = /\.(jsonl?|ndjson|log|csv|txt)(\.gz)?$|\.gz$/i;

/**
 * Flow files under a path: the path itself, or every flow-looking regular file below a folder,
 * sorted. A folder's FIFOs, sockets and devices are passed to `onSkip` (reading a FIFO nobody
 * writes to blocks forever); a path named itself is read whatever it is (`<(zcat x.gz)` is a pipe).
 */
export function listFlowFiles(path: string, onSkip?: (file: string, reason: string) => void): string[] {
  if (path === '-') return ['-'];
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new InputError(`netatlas/flows: ${path}: no such file or folder. Check the path given to --flows.`, { file: path });
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (!FLOW_FILE.test(entry.name)) continue;
      else if (entry.isFile() || (entry.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isFile())) out.push(p);
      else onSkip?.(p, 'not a regular file (a FIFO, socket, device or dangling link); skipped');
    }
  };
  walk(path);
  return out;
}

/**
 * Streams the FlowRecords of a file, a folder of files, or stdin (`-`). Plain or gzip input
 * (detected by its magic bytes, whatever the name). Throws InputError when a file's format is
 * unknown or it cannot be opened; malformed lines are counted in `stats` and reported through
 * `onError`, and the ingest goes on.
 */
export function readFlows(path: string, opts: ReadFlowsOptions = {}): FlowReader {
  const stats = emptyFlowReadStats();
  // One cache for every file read (and the caller's, when given): a connection two files report counts once.
  const connections = opts.connections ?? new ConnectionCache(opts);
  const batches = async function* (): AsyncGenerator<FlowRecord[]> {
    for (const file of listFlowFiles(path, opts.onSkipFile)) {
      const state = createFlowParseState({ ...opts, file, stats, connections });
      yield* readOneFile(file, state, opts);
      stats.files++;
    }
  };
  return {
    stats,
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
  };
}

async function* readOneFile(file: string, state: FlowParseState, opts: ReadFlowsOptions): AsyncGenerator<FlowRecord[]> {
  const chunkSize = opts.chunkSize ?? 1 << 18;
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const raw: AsyncIterable<Buffer> = file === '-' ? ((opts.stdin ?? process.stdin) as AsyncIterable<Buffer>) : fileChunks(file, chunkSize);
  const detectLimit = opts.detectLines ?? 5;
  let pending: string[] | undefined = state.format === undefined ? [] : undefined;
  let meaningful = 0;
  /** The unfinished line at the end of the chunks read so far, in pieces (joined once, when it ends). */
  let leftover: Buffer[] = [];
  let leftoverBytes = 0;
  /** In a line longer than maxLine: its bytes are dropped until it ends. */
  let skippingLongLine = false;
  /** Lines of a whole-file JSON document (a JSON array, or pretty-printed JSON), parsed at the end. */
  let doc: string[] | undefined;
  let docChars = 0;

  // Lines seen before the format is known wait in `pending`; the first line of a known format
  // decides it, and a file whose first lines fit nothing is an error, not a stream of malformed lines.
  const take = (line: string, out: FlowRecord[]): void => {
    if (doc !== undefined) {
      doc.push(line);
      docChars += line.length;
      if (docChars > MAX_DOCUMENT_CHARS) {
        throw new InputError(`netatlas/flows: ${file}: a JSON document larger than ${MAX_DOCUMENT_CHARS / 2 ** 20} MiB: write one object per line (jq -c '.[]') so it can be streamed.`, { file });
      }
      return;
    }
    if (pending === undefined) {
      parseFlowLine(line, state, out);
      return;
    }
    pending.push(line);
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    meaningful++;
    const format = detectLineFormat(t);
    if (format) {
      state.format = format;
      state.stats.format = format;
    } else if (meaningful === 1 && (t.startsWith('[') || t === '{')) {
      doc = pending;
      pending = undefined;
      return;
    } else if (meaningful >= detectLimit) {
      throw unknownFormat(file, pending);
    } else return;
    const lines = pending;
    pending = undefined;
    for (const l of lines) parseFlowLine(l, state, out);
  };

  // A line as bytes: once the file is known to be Hubble, read in place (HubbleDecoder.parseBytes);
  // anything else, and the lines that decide the format, as text.
  const takeBytes = (b: Buffer, start: number, end: number, out: FlowRecord[]): void => {
    if (pending === undefined && doc === undefined && state.format === 'hubble') parseFlowBytes(b, start, end, state, out);
    else take(decode(b, start, end), out);
  };

  /** A line longer than maxLine: counted, reported, and not held. */
  const tooLong = (): void => {
    state.line++;
    state.stats.lines++;
    reportMalformed(state, `line longer than ${maxLine} bytes; skipped. Flow lines are single JSON objects or CSV rows: check the file is one.`);
  };

  try {
    // Splits a chunk of the input into lines: the line the previous chunk left unfinished, then
    // this chunk's whole lines. Nothing is copied but that unfinished line.
    const split = (chunk: Buffer, out: FlowRecord[]): void => {
      const firstNl = chunk.indexOf(10);
      if (firstNl < 0) {
        if (skippingLongLine) return;
        leftoverBytes += chunk.length;
        if (leftoverBytes > maxLine) {
          skippingLongLine = true;
          leftover = [];
          return;
        }
        leftover.push(Buffer.from(chunk));
        return;
      }
      let at = 0;
      if (skippingLongLine || leftover.length) {
        if (skippingLongLine || leftoverBytes + firstNl > maxLine) tooLong();
        else {
          leftover.push(chunk.subarray(0, firstNl));
          const line = Buffer.concat(leftover);
          takeBytes(line, 0, line.length, out);
        }
        skippingLongLine = false;
        at = firstNl + 1;
      }
      for (;;) {
        const nl = chunk.indexOf(10, at);
        if (nl < 0) break;
        if (nl - at > maxLine) tooLong();
        else takeBytes(chunk, at, nl, out);
        at = nl + 1;
      }
      // Keep the partial last line as its own copy, so the chunk it came from can be freed.
      leftoverBytes = chunk.length - at;
      if (leftoverBytes > maxLine) {
        skippingLongLine = true;
        leftover = [];
      } else leftover = at < chunk.length ? [Buffer.from(chunk.subarray(at))] : [];
    };
    for await (const chunk of decompressed(raw, (n) => (state.stats.bytes += n))) {
      const out: FlowRecord[] = [];
      split(chunk, out);
      opts.onProgress?.({ file, stats: state.stats });
      if (out.length) yield out;
    }
    const out: FlowRecord[] = [];
    if (skippingLongLine) tooLong();
    else if (leftover.length) {
      const line = Buffer.concat(leftover);
      if (line.length) takeBytes(line, 0, line.length, out);
    }
    if (doc !== undefined) parseDocument(file, doc, state, out);
    if (pending !== undefined && pending.some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) throw unknownFormat(file, pending);
    if (out.length) yield out;
    opts.onProgress?.({ file, stats: state.stats });
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
      throw new InputError(`netatlas/flows: ${file}: broken gzip data (${e.message}). Check the file is a complete .gz.`, { file });
    }
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') {
      throw new InputError(`netatlas/flows: ${file}: cannot read (${e.code}). Check the path given to --flows.`, { file });
    }
    throw err;
  }
}

/** Pure ASCII (the usual case) decodes the same as latin1, which is a plain copy: no UTF-8 decoder. */
function decode(b: Buffer, start: number, end: number): string {
  return b.toString(isAscii(b.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
}
const MAX_DOCUMENT_CHARS = 256 * 2 ** 20;

/**
 * A whole-file JSON document: an array of events (Inspektor Gadget's 2020 advisor output) or one
 * pretty-printed object. Items are numbered from 1 in place of line numbers in reports.
 */
function parseDocument(file: string, lines: string[], state: FlowParseState, out: FlowRecord[]): void {
  state.stats.lines += lines.length;
  let value: unknown;
  try {
    value = JSON.parse(lines.join('\n'));
  } catch (err) {
    throw new InputError(`netatlas/flows: ${file}: invalid JSON document (${(err as Error).message}): expected one JSON value, or one object per line.`, { file });
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length && !items.some((item) => detectObjectFormat(item))) throw unknownFormat(file, lines);
  items.forEach((item, i) => {
    state.line = i + 1;
    if (state.format === undefined) {
      state.format = detectObjectFormat(item);
      if (state.format) state.stats.format = state.format;
    }
    parseFlowObject(item, state, out);
  });
}

function unknownFormat(file: string, lines: string[]): InputError {
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  const shown = first.length > 80 ? `${first.slice(0, 80)}...` : first;
  const doc = first.trim().startsWith('[') || first.trim() === '{';
  return new InputError(
    `netatlas/flows: ${file}: unknown flow format (first line: ${JSON.stringify(shown)}): expected ${EXPECTED}.` +
      (doc ? ' A JSON array or pretty-printed JSON must be one object per line: convert it with `jq -c \'.[]\'`.' : ''),
    { file, line: 1 },
  );
}

/** Reads all records of a path into memory (tests and small inputs). */
export async function collectFlows(path: string, opts: ReadFlowsOptions = {}): Promise<{ records: FlowRecord[]; stats: FlowReadStats }> {
  const reader = readFlows(path, opts);
  const records: FlowRecord[] = [];
  for await (const batch of reader.batches()) records.push(...batch);
  return { records, stats: reader.stats };
}

export { EMPTY as NO_RECORDS };
