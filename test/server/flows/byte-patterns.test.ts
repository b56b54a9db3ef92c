/** BytePatterns: several patterns searched for in one pass, against a naive search. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascii, BytePatterns } from '../../../server/flows/hubble/bytes.ts';

/** The reference: whether one of the patterns lies wholly inside text[start, end). */
const naive = (patterns: readonly string[], text: string, start: number, end: number): boolean =>
  patterns.some((p) => text.slice(start, end).includes(p));

const POLICY_NAMES = ['"egress_allowed_by":', '"ingressDeniedBy":', ',"verdict":'];

describe('BytePatterns', () => {
  it.each<[string, string, boolean]>([
    ['a pattern at the end of the text', '{"Summary":"x","egress_allowed_by":', true],
    ['a pattern at the start of the text', ',"verdict":"DROPPED"}', true],
    ['only the shared last bytes', '{"identity":1,"node_name":"a"}', false],
    ['a pattern cut by the end', '{"a":1,"ingressDeniedBy"', false],
  ])('finds %s: %s', (_what, text, found) => {
    expect(new BytePatterns(POLICY_NAMES).anyIn(ascii(text), 0, text.length)).toBe(found);
  });

  it('looks only inside [start, end)', () => {
    const text = ',"verdict":"x"';
    const patterns = new BytePatterns([',"verdict":']);
    expect(patterns.anyIn(ascii(text), 1, text.length)).toBe(false);
    expect(patterns.anyIn(ascii(text), 0, 10)).toBe(false);
    expect(patterns.anyIn(ascii(text), 0, 11)).toBe(true);
  });

  it('refuses patterns that do not end in the same byte', () => {
    expect(() => new BytePatterns(['ab:', 'cd"'])).toThrow(/end in the same byte/);
  });

  it('answers as a naive search does, on any text and span', () => {
    // A small alphabet, so the patterns and their near misses occur often.
    const alphabet = fc.constantFrom(...'"_:,byBtdverica'.split(''));
    const pattern = fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((cs) => `${cs.join('')}":`);
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), fc.array(alphabet, { maxLength: 80 }).map((cs) => cs.join('')), fc.nat(), fc.nat(), (patterns, text, a, b) => {
        const start = text.length === 0 ? 0 : a % (text.length + 1);
        const end = start + (b % (text.length - start + 1));
        expect(new BytePatterns(patterns).anyIn(ascii(text), start, end)).toBe(naive(patterns, text, start, end));
      }),
      { numRuns: 500, seed: 20261207 },
    );
  });
});
