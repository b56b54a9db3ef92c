/**
 * Text -> Kubernetes objects with the line each starts on. Accepts JSON (one value, one value
 * per line such as watch events, or several values one after another), multi-document YAML
 * (JSON documents included, with `---` between them), `List` (items carry kind),
 * API lists (`PodList`: items without kind, inferred from the list kind), and watch events
 * (`{"type":"ADDED","object":{...}}`).
 */
import jsyaml from 'js-yaml';
import { InputError } from '../../generator/model/index.ts';

export type DocumentOp = 'upsert' | 'delete';

export interface RawObject {
  readonly object: unknown;
  readonly line?: number;
  /** Kind inferred from the enclosing API list (`PodList` -> `Pod`). */
  readonly kindHint?: string;
  /** DELETED watch events remove the object. */
  readonly op: DocumentOp;
}

export interface ParsedDocuments {
  readonly objects: RawObject[];
  readonly errors: InputError[];
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line of each element of the root object's `items` array in a JSON text (a List dump),
 * so an object read from `kubectl get -o json` is located at its own line. One pass that skips
 * strings; undefined when the root holds no `items` array.
 */
export function jsonItemLines(text: string): number[] | undefined {
  let depth = 0;
  let line = 1;
  let lastKey: string | undefined;
  let inItems = false;
  let expectItem = false;
  const lines: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; continue; }
    if (c === 32 || c === 9 || c === 13) continue;
    if (inItems && expectItem && depth === 2 && c !== 93 /* ] */) {
      lines.push(line);
      expectItem = false;
    }
    if (c === 34 /* " */) {
      const start = i + 1;
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) {
        if (text.charCodeAt(i) === 92 /* \ */) i++;
        else if (text.charCodeAt(i) === 10) line++;
      }
      if (depth === 1) lastKey = text.slice(start, i);
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (c === 91 && depth === 2 && lastKey === 'items') {
        inItems = true;
        expectItem = true;
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (inItems && depth === 2) return lines;
      depth--;
    } else if (c === 44 /* , */ && inItems && depth === 2) expectItem = true;
    else if (c === 58 /* : */) continue;
    else if (depth === 1) lastKey = undefined;
  }
  return inItems ? lines : undefined;
}

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR', 'SYNC', 'UPDATED', 'DELETE', 'ADD']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Expands one parsed document into objects. `itemLines` gives the line of each `items[i]`
 * when the parser knows it (YAML).
 */
function expand(value: unknown, line: number | undefined, out: RawObject[], itemLines?: (number | undefined)[]): void {
  if (value === null || value === undefined) return; // empty YAML document
  if (Array.isArray(value)) {
    value.forEach((v, i) => expand(v, itemLines?.[i] ?? line, out));
    return;
  }
  if (isObj(value) && typeof value.type === 'string' && WATCH_TYPES.has(value.type) && isObj(value.object) && value.kind === undefined) {
    if (value.type === 'BOOKMARK' || value.type === 'ERROR') return;
    const op: DocumentOp = value.type === 'DELETED' || value.type === 'DELETE' ? 'delete' : 'upsert';
    out.push({ object: value.object, line, op });
    return;
  }
  if (isObj(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    const hint = value.kind === 'List' ? undefined : value.kind.slice(0, -'List'.length);
    value.items.forEach((item, i) => {
      const l = itemLines?.[i] ?? line;
      out.push({ object: item, ...(l !== undefined ? { line: l } : {}), ...(hint ? { kindHint: hint } : {}), op: 'upsert' });
    });
    return;
  }
  out.push({ object: value, ...(line !== undefined ? { line } : {}), op: 'upsert' });
}

function parseJson(text: string, file: string): ParsedDocuments | undefined {
  try {
    const out: RawObject[] = [];
    const value: unknown = JSON.parse(text);
    const list = isObj(value) && Array.isArray(value.items);
    expand(value, lineOfOffset(text, text.length - text.trimStart().length), out, list ? jsonItemLines(text) : undefined);
    return { objects: out, errors: [] };
  } catch (error) {
    // Several JSON values, one per line (watch event streams, `kubectl get -w -o json` lines)?
    const lines = text.split('\n');
    const nonEmpty = lines.filter((l) => l.trim() !== '');
    if (nonEmpty.length > 1 && nonEmpty[0].trim().startsWith('{') && nonEmpty[0].trim().endsWith('}')) {
      try {
        JSON.parse(nonEmpty[0]);
      } catch {
        return jsonError(text, error as Error, file);
      }
      const out: RawObject[] = [];
      const errors: InputError[] = [];
      lines.forEach((l, i) => {
        if (l.trim() === '') return;
        try {
          expand(JSON.parse(l), i + 1, out);
        } catch (e) {
          errors.push(new InputError(`netatlas/inventory: ${file}:${i + 1} invalid JSON: ${(e as Error).message}.`, { file, line: i + 1 }));
        }
      });
      return { objects: out, errors };
    }
    // Several pretty-printed JSON values one after another (`kubectl get -o json` appended,
    // jq output), or a YAML stream of JSON documents separated by `---`.
    const values = splitJsonValues(text);
    if (values && values.length > 1) {
      const out: RawObject[] = [];
      for (const v of values) expand(v.value, lineOfOffset(text, v.offset), out);
      return { objects: out, errors: [] };
    }
    if (/^---(\s|$)/m.test(text)) return undefined;
    return jsonError(text, error as Error, file);
  }
}

/**
 * Top-level JSON values written one after another (whitespace between), with the offset of
 * each; undefined when the text is not exactly that.
 */
function splitJsonValues(text: string): { value: unknown; offset: number }[] | undefined {
  const out: { value: unknown; offset: number }[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    if (text[i] !== '{' && text[i] !== '[') return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) return undefined;
    i++;
    try {
      out.push({ value: JSON.parse(text.slice(start, i)), offset: start });
    } catch {
      return undefined;
    }
  }
  return out;
}

function jsonError(text: string, error: Error, file: string): ParsedDocuments {
  const m = /position (\d+)/.exec(error.message) ?? undefined;
  const lm = /line (\d+)/.exec(error.message) ?? undefined;
  const line = lm ? Number(lm[1]) : m ? lineOfOffset(text, Number(m[1])) : undefined;
  const at = line !== undefined ? `${file}:${line}` : file;
  return {
    objects: [],
    errors: [new InputError(`netatlas/inventory: ${at} invalid JSON: ${error.message}. Fix the file or re-export it with kubectl get -o json.`, { file, ...(line !== undefined ? { line } : {}) })],
  };
}

interface YamlChunk {
  readonly body: string;
  /** Line of the chunk's first line in the file. */
  readonly firstLine: number;
}

/**
 * Splits multi-document YAML on `---` / `...` lines. (A document separator at column 0 cannot
 * occur inside an indented block scalar, which is how Kubernetes YAML embeds text.)
 */
function splitYamlDocuments(text: string): YamlChunk[] {
  const lines = text.split('\n');
  const chunks: YamlChunk[] = [];
  let current: string[] = [];
  let firstLine = 1;
  lines.forEach((line, i) => {
    const sep = /^---(\s|$)/.exec(line) ?? (/^\.\.\.\s*$/.test(line) ? ['...'] : null);
    if (!sep) {
      current.push(line);
      return;
    }
    chunks.push({ body: current.join('\n'), firstLine });
    // Content after `---` on the same line (`--- {json}`, `--- !tag`) belongs to the new document.
    current = sep[0] === '...' ? [] : [line.slice(3)];
    firstLine = i + 1;
  });
  chunks.push({ body: current.join('\n'), firstLine });
  return chunks;
}

/** The line of the first content line of a chunk, or undefined when it is empty. */
function contentLine(chunk: YamlChunk): number | undefined {
  const lines = chunk.body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t !== '' && !t.startsWith('#') && !t.startsWith('%')) return chunk.firstLine + i;
  }
  return undefined;
}

/**
 * Lines of the entries of a top-level `items:` sequence (kubectl -o yaml), found by indentation;
 * undefined when the layout is not the plain one (the document line is used then).
 */
function itemLines(chunk: YamlChunk, count: number): number[] | undefined {
  const lines = chunk.body.split('\n');
  const at = lines.findIndex((l) => /^items:\s*$/.test(l));
  if (at < 0) return undefined;
  const out: number[] = [];
  let indent: string | undefined;
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^[^\s#-]/.test(l)) break; // next top-level key
    const m = /^(\s*)-(\s|$)/.exec(l);
    if (!m) continue;
    indent ??= m[1];
    if (m[1] === indent) out.push(chunk.firstLine + i);
  }
  return out.length === count ? out : undefined;
}

function parseYaml(text: string, file: string): ParsedDocuments {
  const objects: RawObject[] = [];
  const errors: InputError[] = [];
  for (const chunk of splitYamlDocuments(text)) {
    const line = contentLine(chunk);
    if (line === undefined) continue;
    let value: unknown;
    try {
      // CORE_SCHEMA: YAML 1.2 scalars only (no timestamps turned into Dates, no `yes` booleans);
      // json: a repeated key takes the last value, as kubectl does.
      value = jsyaml.load(chunk.body, { schema: jsyaml.CORE_SCHEMA, json: true });
    } catch (error) {
      const e = error as { reason?: string; message: string; mark?: { line?: number } };
      const l = e.mark?.line !== undefined ? chunk.firstLine + e.mark.line : line;
      errors.push(new InputError(`netatlas/inventory: ${file}:${l} invalid YAML: ${e.reason ?? e.message.split('\n')[0]}. The other documents of the file are still read.`, { file, line: l }));
      continue;
    }
    const items = isObj(value) && Array.isArray(value.items) ? itemLines(chunk, value.items.length) : undefined;
    expand(value, line, objects, items);
  }
  return { objects, errors };
}

/** Parses a file's text; JSON when it looks like JSON, YAML otherwise (YAML is a superset). */
export function parseDocuments(text: string, file: string): ParsedDocuments {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = body.trimStart()[0];
  if (first === '{' || first === '[') {
    const parsed = parseJson(body, file);
    if (parsed) return parsed;
  }
  return parseYaml(body, file);
}
