/**
 * A strict, small XML reader for tests (no XML parser is a dependency): checks that a document
 * is well-formed (one root, tags nested and closed, attributes quoted and unique, text and
 * attribute values with no raw '<' and only the five predefined entities or numeric ones) and
 * returns its elements. Enough for the SVG we write; not a general parser (no DTD, no CDATA).
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_:][A-Za-z0-9_.:-]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
const ATTRIBUTE = new RegExp(`\\s+(${NAME})\\s*=\\s*("[^"<]*"|'[^'<]*')`, 'y');

function unescape(s: string, where: string): string {
  if (/&/.test(s.replace(ENTITY, ''))) throw new Error(`xml: a bare '&' in ${where}`);
  return s.replace(ENTITY, (e) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" })[e] ?? String.fromCodePoint(Number(e.startsWith('&#x') ? `0x${e.slice(3, -1)}` : e.slice(2, -1))));
}

export function parseXml(doc: string): XmlElement {
  let i = 0;
  const declaration = /^<\?xml[^?]*\?>\s*/.exec(doc);
  if (declaration) i = declaration[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (stack.length === 0) {
      if (text.trim() !== '') throw new Error(`xml: text outside the root at ${i}`);
    } else stack[stack.length - 1].text += unescape(text, `text at ${i}`);
    if (lt < 0) break;
    if (doc.startsWith('</', lt)) {
      const m = new RegExp(`</(${NAME})\\s*>`, 'y');
      m.lastIndex = lt;
      const end = m.exec(doc);
      const open = stack.pop();
      if (!end || !open || open.name !== end[1]) throw new Error(`xml: a closing tag at ${lt} does not match ${open?.name ?? 'anything'}`);
      i = m.lastIndex;
      continue;
    }
    const start = new RegExp(`<(${NAME})`, 'y');
    start.lastIndex = lt;
    const s = start.exec(doc);
    if (!s) throw new Error(`xml: a raw '<' at ${lt}`);
    if (root && stack.length === 0) throw new Error(`xml: a second root element at ${lt}`);
    let j = start.lastIndex;
    const attributes: Record<string, string> = {};
    for (;;) {
      ATTRIBUTE.lastIndex = j;
      const a = ATTRIBUTE.exec(doc);
      if (!a) break;
      if (a[1] in attributes) throw new Error(`xml: attribute ${a[1]} twice at ${j}`);
      attributes[a[1]] = unescape(a[2].slice(1, -1), `attribute ${a[1]} at ${j}`);
      j = ATTRIBUTE.lastIndex;
    }
    const close = /\s*(\/?)>/y;
    close.lastIndex = j;
    const c = close.exec(doc);
    if (!c) throw new Error(`xml: a malformed tag <${s[1]}> at ${lt}`);
    const el: XmlElement = { name: s[1], attributes, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else root = el;
    if (c[1] !== '/') stack.push(el);
    i = close.lastIndex;
  }
  if (stack.length > 0) throw new Error(`xml: <${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error('xml: no root element');
  return root;
}

/** Every element of the tree, depth first. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(allElements)];
}
