import { describe, expect, it } from 'vitest';
import { TopLevelMemberEnd } from '../../web/src/state/json-member.ts';

/** Feeds `text` in pieces of `size` characters; the offset the scanner returned, or -1. */
function scan(text: string, member: string, size: number): number {
  const s = new TopLevelMemberEnd(member);
  let found = -1;
  for (let i = 0; i < text.length; i += size) {
    const at = s.push(text.slice(i, i + size));
    if (at >= 0) found = at;
  }
  return found;
}

const answer = {
  level: 'workload',
  nodes: [
    { key: 'wl:a/b/Deployment/x', label: 'tricky "nodes", [ { } ] \\ ,', labels: { nodes: '],"edges":[', 'a"b': '\\"' } },
    { key: 'wl:a/b/Deployment/y', label: 'ünïcødé ✓', pods: 3 },
  ],
  edges: [{ key: 'e1', source: 'wl:a/b/Deployment/x', target: 'wl:a/b/Deployment/y', verdicts: { FORWARDED: 1 } }],
  stats: { seq: 7 },
};

describe('the end of a top-level JSON member, found while the text arrives', () => {
  it('splits the answer after its nodes into two parts that parse back to the whole, whatever the pieces', () => {
    for (const text of [JSON.stringify(answer), JSON.stringify(answer, null, 2)]) {
      for (const size of [1, 2, 3, 7, 64, text.length]) {
        const end = scan(text, 'nodes', size);
        expect(end).toBeGreaterThan(0);
        const head = JSON.parse(text.slice(0, end) + '}') as typeof answer;
        const tail = JSON.parse('{' + text.slice(end + 1)) as typeof answer;
        expect(head).toEqual({ level: answer.level, nodes: answer.nodes });
        expect({ ...head, ...tail }).toEqual(answer);
      }
    }
  });

  it('is not fooled by the member name, commas or brackets inside strings and nested objects', () => {
    const text = JSON.stringify({ meta: { nodes: [1, 2], note: '"nodes":[],' }, nodes: [{ a: ',' }], edges: [] });
    const end = scan(text, 'nodes', 5);
    expect(JSON.parse(text.slice(0, end) + '}')).toEqual({ meta: { nodes: [1, 2], note: '"nodes":[],' }, nodes: [{ a: ',' }] });
  });

  it('finds nothing when the member is the last one, missing, or the text is not an object', () => {
    expect(scan(JSON.stringify({ edges: [], nodes: [1] }), 'nodes', 3)).toBe(-1);
    expect(scan(JSON.stringify({ edges: [], stats: {} }), 'nodes', 3)).toBe(-1);
    expect(scan(JSON.stringify([{ nodes: [1] }, 2]), 'nodes', 3)).toBe(-1);
    expect(scan('null', 'nodes', 1)).toBe(-1);
  });
});
