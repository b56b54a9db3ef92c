/**
 * The normalizer's readers of fields: typed checks that throw Malformed (made into an `invalid`
 * outcome at the door, server/inventory/normalize.ts), the lenient reading of optional parts,
 * label selectors, owner references and the metadata every object shares.
 */
import {
  type InputError,
  type InventoryObject,
  type PodInfo,
  type Warning,
  labelKeyProblem,
  labelValueProblem,
  type LabelSelector,
  type LabelSelectorRequirement,
  type Labels,
  type OwnerRef,
  type Protocol,
  type SelectorOperator,
  type SourceLocation,
} from '../../../generator/model/index.ts';

export type NormalizeOutcome =
  | {
      readonly kind: 'object';
      readonly object: InventoryObject;
      /** For workloads: the representative pod made from the pod template. */
      readonly templatePod?: PodInfo;
      /** Harmless defects: the parts named here were left out, the rest was read. */
      readonly warnings?: readonly Warning[];
    }
  | { readonly kind: 'skipped'; readonly warning: Warning }
  | { readonly kind: 'invalid'; readonly error: InputError };

export function where(loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.object) parts.push(loc.object);
  return parts.length > 0 ? parts.join(' ') : '(input)';
}

export type Obj = Record<string, unknown>;

/** Thrown inside the normalizer, turned into an `invalid` outcome at its door. */
export class Malformed extends Error {}

/**
 * Parts of an object dropped as harmless defects (an owner reference without kind, a
 * container port without a number, an unreadable timestamp): kubectl and the API server's
 * readers skip them too, and nothing policy evaluation depends on is lost. Each becomes a
 * warning naming the field.
 */
export type Defects = string[];

/** Reads an optional part; a defect in it drops that part only (and is noted). */
export function lenient<T>(defects: Defects, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    defects.push(error.message);
    return undefined;
  }
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field that client-node may rename (`from` -> `_from`). */
export function pick(o: Obj, name: string): unknown {
  return o[name] !== undefined ? o[name] : o[`_${name}`];
}

export function optObj(v: unknown, what: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Malformed(`${what} must be an object`);
  return v;
}

export function optArr(v: unknown, what: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new Malformed(`${what} must be a list`);
  return v;
}

export function optStr(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Malformed(`${what} must be a string`);
  return v;
}

export function optBool(v: unknown, what: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Malformed(`${what} must be true or false`);
  return v;
}

export function optInt(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Malformed(`${what} must be an integer`);
  return v;
}

export function intOrString(v: unknown, what: string): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new Malformed(`${what} must be an integer or a port name`);
}

export function strList(v: unknown, what: string): string[] {
  const list = optArr(v, what) ?? [];
  return list.map((x, i) => {
    if (typeof x !== 'string') throw new Malformed(`${what}[${i}] must be a string`);
    return x;
  });
}

export function protocol(v: unknown, what: string): Protocol | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'TCP' || v === 'UDP' || v === 'SCTP') return v;
  throw new Malformed(`${what} must be TCP, UDP or SCTP (got ${JSON.stringify(v)})`);
}

/** A string map (annotations: any text). */
function stringMap(v: unknown, what: string): Labels | undefined {
  const o = optObj(v, what);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') {
      throw new Malformed(`${what}.${k} must be a string (quote it in YAML: ${JSON.stringify(JSON.stringify(val) ?? null)})`);
    }
    out[k] = val;
  }
  return out;
}

/** Labels (and matchLabels): a string map whose keys and values follow Kubernetes' label rules. */
type KeyRule = (key: string) => string | undefined;

export function labelMap(v: unknown, what: string, keyRule: KeyRule = labelKeyProblem): Labels | undefined {
  const out = stringMap(v, what);
  for (const [k, val] of Object.entries(out ?? {})) rule(keyRule(k) ?? labelValueProblem(val), what);
  return out;
}

/** Throws Malformed for a value that breaks a rule of generator/model/validate.ts. */
export function rule(problem: string | undefined, what: string): void {
  if (problem !== undefined) throw new Malformed(`${what}: ${problem}`);
}

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * A label selector, keeping `{}` (everything) distinct from absent (undefined). `keyRule` checks
 * its keys (Cilium's selectors prefix them with a label source).
 */
export function normalizeSelector(v: unknown, what: string, keyRule: KeyRule = labelKeyProblem): LabelSelector | undefined {
  const o = optObj(v, what);
  if (!o) return undefined;
  const matchLabels = labelMap(o.matchLabels, `${what}.matchLabels`, keyRule);
  const exprs = optArr(o.matchExpressions, `${what}.matchExpressions`);
  const matchExpressions = exprs?.map((e, i): LabelSelectorRequirement => {
    const w = `${what}.matchExpressions[${i}]`;
    if (!isObj(e)) throw new Malformed(`${w} must be an object`);
    const key = optStr(e.key, `${w}.key`);
    if (key === undefined) throw new Malformed(`${w}.key is required`);
    rule(keyRule(key), w);
    const operator = e.operator;
    if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
      throw new Malformed(`${w}.operator must be one of ${OPERATORS.join(', ')} (got ${JSON.stringify(operator)})`);
    }
    const values = e.values === undefined || e.values === null ? undefined : strList(e.values, `${w}.values`);
    for (const value of values ?? []) rule(labelValueProblem(value), `${w}.values`);
    return values === undefined ? { key, operator: operator as SelectorOperator } : { key, operator: operator as SelectorOperator, values };
  });
  const sel: { matchLabels?: Labels; matchExpressions?: LabelSelectorRequirement[] } = {};
  if (matchLabels !== undefined) sel.matchLabels = matchLabels;
  if (matchExpressions !== undefined) sel.matchExpressions = matchExpressions;
  return sel;
}

/** ms since epoch from a Date (typed models), an RFC 3339 string (JSON) or a number. */
export function toMillis(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new Malformed(`${what} must be a timestamp (RFC 3339)`);
}

function ownerRefs(meta: Obj, defects: Defects): OwnerRef[] {
  const refs = lenient(defects, () => optArr(meta.ownerReferences, 'metadata.ownerReferences')) ?? [];
  const out: OwnerRef[] = [];
  refs.forEach((r, i) => {
    const ref = lenient(defects, () => ownerRef(r, i));
    if (ref) out.push(ref);
  });
  return out;
}

function ownerRef(r: unknown, i: number): OwnerRef {
  const w = `metadata.ownerReferences[${i}]`;
  if (!isObj(r)) throw new Malformed(`${w} must be an object`);
  const kind = optStr(r.kind, `${w}.kind`);
  const name = optStr(r.name, `${w}.name`);
  if (!kind || !name) throw new Malformed(`${w} needs kind and name`);
  const uid = optStr(r.uid, `${w}.uid`);
  const controller = optBool(r.controller, `${w}.controller`);
  return { kind, name, ...(uid !== undefined ? { uid } : {}), ...(controller !== undefined ? { controller } : {}) };
}

/**
 * The controller ownerReference. Hand-written data often forgets `controller: true`, so a
 * lone ownerReference counts as the controller too.
 */
export function controllerOf(meta: Obj, defects: Defects): OwnerRef | undefined {
  const refs = ownerRefs(meta, defects);
  return refs.find((r) => r.controller === true) ?? (refs.length === 1 && refs[0].controller !== false ? refs[0] : undefined);
}

export interface Ctx {
  readonly cluster: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly source: SourceLocation;
  readonly defects: Defects;
}

export function base(meta: Obj, ctx: Ctx) {
  const labels = labelMap(meta.labels, 'metadata.labels') ?? {};
  const annotations = stringMap(meta.annotations, 'metadata.annotations');
  const uid = optStr(meta.uid, 'metadata.uid');
  return {
    cluster: ctx.cluster,
    name: ctx.name,
    labels,
    ...(uid !== undefined ? { uid } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
    source: ctx.source,
  };
}
