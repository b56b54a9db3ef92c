/**
 * Calico's selector language (projectcalico.org/v3 `selector`, `namespaceSelector`,
 * `serviceAccountSelector`), parsed once into a tree and evaluated against a label map. From
 * Calico's documentation (NetworkPolicy resource, "Selectors"):
 * - `k == 'v'`: label k present and equal to v; `k != 'v'`: k absent, or present with another value;
 * - `k in { 'a', 'b' }`: k present with one of the values; `k not in { ... }`: k absent or none of them;
 * - `has(k)`: k present; `!expr`: negation; `a && b`, `a || b` (`&&` binds tighter), parentheses;
 * - `k contains 's'`, `k starts with 's'`, `k ends with 's'`: k present and its value so;
 * - `all()`: every endpoint; `global()`: only non-namespaced resources (host endpoints, global
 *   network sets), so no pod; the empty selector is `all()`.
 * String literals take single or double quotes. A syntax error names the 1-based column.
 */
import type { Labels } from '../../model/labels.ts';

export type CalicoSelector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: '==' | '!=' | 'contains' | 'starts with' | 'ends with'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'not in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: '!'; readonly expr: CalicoSelector }
  | { readonly op: '&&' | '||'; readonly left: CalicoSelector; readonly right: CalicoSelector };

export class CalicoSelectorError extends Error {
  constructor(readonly selector: string, readonly column: number, what: string) {
    super(`selector ${JSON.stringify(selector)} at column ${column}: ${what}`);
  }
}

type Token =
  | { readonly t: 'ident'; readonly v: string; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'sym'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly v: ''; readonly at: number };

const IDENT = /[A-Za-z0-9_./\-]/;
const SYMBOLS = ['==', '!=', '&&', '||', '!', '(', ')', '{', '}', ','];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new CalicoSelectorError(src, i + 1, `string opened with ${c} is never closed: close it with ${c}`);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i + 1 });
      i = end + 1;
      continue;
    }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (sym) {
      out.push({ t: 'sym', v: sym, at: i + 1 });
      i += sym.length;
      continue;
    }
    if (IDENT.test(c)) {
      let j = i;
      while (j < src.length && IDENT.test(src[j]!)) j++;
      out.push({ t: 'ident', v: src.slice(i, j), at: i + 1 });
      i = j;
      continue;
    }
    throw new CalicoSelectorError(src, i + 1, `unexpected character ${JSON.stringify(c)}: expected a label key, a quoted value, an operator (== != in not in has() ! && ||) or parentheses`);
  }
  out.push({ t: 'end', v: '', at: src.length + 1 });
  return out;
}

/** Parses a Calico selector; throws CalicoSelectorError naming the column of the first problem. */
export function parseCalicoSelector(src: string): CalicoSelector {
  const toks = tokenize(src);
  let pos = 0;
  const peek = (): Token => toks[pos]!;
  const next = (): Token => toks[pos++]!;
  const fail = (tok: Token, expected: string): never => {
    const found = tok.t === 'end' ? 'the end of the selector' : JSON.stringify(tok.v);
    throw new CalicoSelectorError(src, tok.at, `expected ${expected}, found ${found}`);
  };
  const isSym = (v: string): boolean => peek().t === 'sym' && peek().v === v;
  const expectSym = (v: string, what: string): void => {
    if (!isSym(v)) fail(peek(), what);
    pos++;
  };
  const str = (): string => {
    const tok = next();
    if (tok.t !== 'str') fail(tok, 'a quoted value (single or double quotes)');
    return tok.v;
  };

  const or = (): CalicoSelector => {
    let left = and();
    while (isSym('||')) {
      pos++;
      left = { op: '||', left, right: and() };
    }
    return left;
  };
  const and = (): CalicoSelector => {
    let left = unary();
    while (isSym('&&')) {
      pos++;
      left = { op: '&&', left, right: unary() };
    }
    return left;
  };
  const unary = (): CalicoSelector => {
    if (isSym('!')) {
      pos++;
      return { op: '!', expr: unary() };
    }
    if (isSym('(')) {
      pos++;
      const e = or();
      expectSym(')', '")" closing the parenthesis');
      return e;
    }
    const tok = next();
    if (tok.t !== 'ident') return fail(tok, 'a label key, has(), all(), global(), "!" or "("');
    if ((tok.v === 'has' || tok.v === 'all' || tok.v === 'global') && isSym('(')) {
      pos++;
      if (tok.v === 'has') {
        const key = next();
        if (key.t !== 'ident') fail(key, 'a label key inside has()');
        expectSym(')', '")" closing has(');
        return { op: 'has', key: key.v };
      }
      expectSym(')', `")": ${tok.v}() takes no argument`);
      return { op: tok.v };
    }
    const key = tok.v;
    const op = peek();
    if (op.t === 'sym' && (op.v === '==' || op.v === '!=')) {
      pos++;
      return { op: op.v, key, value: str() };
    }
    if (op.t === 'ident') {
      if (op.v === 'in') {
        pos++;
        return { op: 'in', key, values: set() };
      }
      if (op.v === 'not') {
        pos++;
        const inTok = next();
        if (inTok.t !== 'ident' || inTok.v !== 'in') fail(inTok, '"in" after "not"');
        return { op: 'not in', key, values: set() };
      }
      if (op.v === 'contains') {
        pos++;
        return { op: 'contains', key, value: str() };
      }
      if (op.v === 'starts' || op.v === 'ends') {
        pos++;
        const w = next();
        if (w.t !== 'ident' || w.v !== 'with') fail(w, `"with" after "${op.v}"`);
        return { op: op.v === 'starts' ? 'starts with' : 'ends with', key, value: str() };
      }
    }
    return fail(op, `an operator after label key "${key}" (==, !=, in, not in, contains, starts with, ends with)`);
  };
  const set = (): string[] => {
    expectSym('{', '"{" opening the set of values');
    const values: string[] = [];
    if (isSym('}')) {
      pos++;
      return values;
    }
    for (;;) {
      values.push(str());
      if (isSym(',')) {
        pos++;
        continue;
      }
      expectSym('}', '"," or "}" closing the set of values');
      return values;
    }
  };

  if (peek().t === 'end') return { op: 'all' };
  const tree = or();
  if (peek().t !== 'end') fail(peek(), '"&&", "||" or the end of the selector');
  return tree;
}

/**
 * Whether the labels match. `global` tells whether the thing matched is non-namespaced (a host
 * endpoint or global network set): only then does `global()` match.
 */
export function matchesCalicoSelector(sel: CalicoSelector, labels: Labels, global = false): boolean {
  switch (sel.op) {
    case 'all':
      return true;
    case 'global':
      return global;
    case 'has':
      return Object.prototype.hasOwnProperty.call(labels, sel.key);
    case '==':
      return labelOf(labels, sel.key) === sel.value;
    case '!=':
      return labelOf(labels, sel.key) !== sel.value;
    case 'contains': {
      const v = labelOf(labels, sel.key);
      return v !== undefined && v.includes(sel.value);
    }
    case 'starts with': {
      const v = labelOf(labels, sel.key);
      return v !== undefined && v.startsWith(sel.value);
    }
    case 'ends with': {
      const v = labelOf(labels, sel.key);
      return v !== undefined && v.endsWith(sel.value);
    }
    case 'in': {
      const v = labelOf(labels, sel.key);
      return v !== undefined && sel.values.includes(v);
    }
    case 'not in': {
      const v = labelOf(labels, sel.key);
      return v === undefined || !sel.values.includes(v);
    }
    case '!':
      return !matchesCalicoSelector(sel.expr, labels, global);
    case '&&':
      return matchesCalicoSelector(sel.left, labels, global) && matchesCalicoSelector(sel.right, labels, global);
    case '||':
      return matchesCalicoSelector(sel.left, labels, global) || matchesCalicoSelector(sel.right, labels, global);
  }
}

function labelOf(labels: Labels, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}
