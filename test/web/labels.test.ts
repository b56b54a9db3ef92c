import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelPriority, labelsOverlap, placeLabels, type LabelCandidate } from '../../web/src/state/labels.ts';

const measure = (c: LabelCandidate): { width: number; height: number } => ({ width: c.text.length * 7, height: 14 });
const at = (key: string, x: number, y: number, text = key): LabelCandidate => ({ key, text, x, y, radius: 5 });
const VIEW = { width: 800, height: 600, max: 500 };

describe('label placement', () => {
  it('never places two labels over each other, whatever the candidates', () => {
    const candidate = fc.record({ key: fc.string(), text: fc.string({ minLength: 1, maxLength: 30 }), x: fc.double({ min: -100, max: 900, noNaN: true }), y: fc.double({ min: -100, max: 700, noNaN: true }), radius: fc.double({ min: 0, max: 20, noNaN: true }) });
    fc.assert(fc.property(fc.array(candidate, { maxLength: 300 }), (cands) => {
      const placed = placeLabels(cands, measure, VIEW);
      for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(labelsOverlap(placed[i]!, placed[j]!)).toBe(false);
    }));
  });

  it('gives the space to the candidate that comes first', () => {
    const placed = placeLabels([at('selected', 100, 100), at('neighbour', 102, 101), at('far', 400, 400)], measure, VIEW);
    expect(placed.map((p) => p.key)).toEqual(['selected', 'far']);
  });

  it('skips labels off screen and stops at the maximum', () => {
    expect(placeLabels([at('off', -500, 10), at('on', 10, 10)], measure, VIEW).map((p) => p.key)).toEqual(['on']);
    const many = Array.from({ length: 50 }, (_, i) => at(`n${i}`, 10, i * 20, 'x'));
    expect(placeLabels(many, measure, { ...VIEW, max: 7 })).toHaveLength(7);
  });

  it('ranks selected > neighbour > risky > aggregate > traffic, and by score within a tier', () => {
    const order = [labelPriority('selected', 0), labelPriority('neighbour', 0), labelPriority('risky', 100), labelPriority('risky', 50), labelPriority('aggregate', 9e9), labelPriority('traffic', 1e12), labelPriority('traffic', 3)];
    expect([...order].sort((a, b) => b - a)).toEqual(order);
    expect(labelPriority('neighbour', 0)).toBeGreaterThan(labelPriority('risky', 1e20));
  });
});
