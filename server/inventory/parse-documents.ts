/**
 * Text -> Kubernetes objects with the line each starts on. Accepts JSON (one value, or one
 * value per line such as watch events), multi-document YAML, `List` (items carry kind),
 * API lists (`PodList`: items without kind, inferred from the list kind), and watch events
 * (`{"type":"ADDED","object":{...}}`).
 */
import { LineCounter, parseAllDocuments, isMap, isSeq, type Node as YamlNode } from 'yaml';
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
    expand(JSON.parse(text), lineOfOffset(text, text.length - text.trimStart().length), out);
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
          errors.push(new InputError(`inventory: ${file}:${i + 1} invalid JSON: ${(e as Error).message}.`, { file, line: i + 1 }));
        }
      });
      return { objects: out, errors };
    }
    return jsonError(text, error as Error, file);
  }
}

function jsonError(text: string, error: Error, file: string): ParsedDocuments {
  const m = /position (\d+)/.exec(error.message) ?? undefined;
  const lm = /line (\d+)/.exec(error.message) ?? undefined;
  const line = lm ? Number(lm[1]) : m ? lineOfOffset(text, Number(m[1])) : undefined;
  const at = line !== undefined ? `${file}:${line}` : file;
  return {
    objects: [],
    errors: [new InputError(`inventory: ${at} invalid JSON: ${error.message}. Fix the file or re-export it with kubectl get -o json.`, { file, ...(line !== undefined ? { line } : {}) })],
  };
}

function parseYaml(text: string, file: string): ParsedDocuments {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const objects: RawObject[] = [];
  const errors: InputError[] = [];
  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    const start = (doc.contents as YamlNode | null)?.range?.[0] ?? doc.range[0];
    const line = lineCounter.linePos(start).line;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const l = lineCounter.linePos(e.pos[0]).line;
      errors.push(new InputError(`inventory: ${file}:${l} invalid YAML: ${e.message.split('\n')[0]}. The other documents of the file are still read.`, { file, line: l }));
      continue;
    }
    let itemLines: (number | undefined)[] | undefined;
    if (isMap(doc.contents)) {
      const items = doc.contents.get('items', true);
      if (isSeq(items)) itemLines = items.items.map((it) => (it as YamlNode | null)?.range ? lineCounter.linePos((it as YamlNode).range![0]).line : undefined);
    }
    try {
      expand(doc.toJS({ maxAliasCount: 1000 }), line, objects, itemLines);
    } catch (e) {
      errors.push(new InputError(`inventory: ${file}:${line} invalid YAML: ${(e as Error).message}.`, { file, line }));
    }
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
