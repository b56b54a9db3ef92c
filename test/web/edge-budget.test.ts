import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetEdges, budgetStatus, type BudgetEdge } from '../../web/src/state/edge-budget.ts';

const edge = (source: string, target: string, count: number, dropped = false): BudgetEdge => ({
  key: `${source}=>${target}`, source, target, count, dropped,
});

const ab = edge('a', 'b', 10);
const bc = edge('b', 'c', 50);
const cd = edge('c', 'd', 5);
const de = edge('d', 'e', 1, true);
const ea = edge('e', 'a', 2);
const estate = [ab, bc, cd, de, ea];

describe('edge budget', () => {
  const cases: { name: string; budget: number; selected?: string; keep?: BudgetEdge[]; drawn: BudgetEdge[]; limited: boolean }[] = [
    { name: 'a map within the budget draws every edge', budget: 5, drawn: estate, limited: false },
    { name: 'past the budget the dropped edge comes first, then the highest counts', budget: 3, drawn: [de, bc, ab], limited: true },
    { name: 'a budget of one keeps the dropped edge over a busier allowed one', budget: 1, drawn: [de], limited: true },
    { name: 'a selected node adds all of its edges to the strongest', budget: 2, selected: 'a', drawn: [de, bc, ab, ea], limited: true },
    { name: 'a selected edge is drawn although it is weak', budget: 1, selected: 'e=>a', drawn: [de, ea], limited: true },
    { name: 'the edges of an attack path shown are drawn although they are weak', budget: 1, keep: [cd, ea], drawn: [de, cd, ea], limited: true },
    { name: 'a selection not on the map adds nothing', budget: 2, selected: 'zz', drawn: [de, bc], limited: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = budgetEdges(estate, c.budget, c.selected, new Set((c.keep ?? []).map((e) => e.key)));
      expect([...r.drawn].sort()).toEqual(c.drawn.map((e) => e.key).sort());
      expect(r.total).toBe(estate.length);
      expect(r.limited).toBe(c.limited);
    });
  }

  it('equal counts are broken by key, so that the same edges are drawn each time', () => {
    const ties = [edge('x', 'y', 3), edge('a', 'b', 3), edge('m', 'n', 3)];
    expect([...budgetEdges(ties, 2).drawn]).toEqual(['a=>b', 'm=>n']);
    expect([...budgetEdges([...ties].reverse(), 2).drawn]).toEqual(['a=>b', 'm=>n']);
  });

  it('the status line says how many of how many edges are drawn and how to see the rest', () => {
    expect(budgetStatus(600, 12893)).toBe('showing 600 of 12,893 edges, strongest first; select a node for all of its edges');
  });

  const nodes = ['a', 'b', 'c', 'd', 'e', 'f'];
  const arbEdges = fc.uniqueArray(
    fc.record({ source: fc.constantFrom(...nodes), target: fc.constantFrom(...nodes), count: fc.integer({ min: 1, max: 1000 }), dropped: fc.boolean() })
      .filter((e) => e.source !== e.target)
      .map((e) => edge(e.source, e.target, e.count, e.dropped)),
    { selector: (e) => e.key, maxLength: 30 },
  );

  it('the drawn set holds at most budget + the selection\'s edges, every dropped edge up to the budget, and all of the selection\'s edges', () => {
    fc.assert(fc.property(arbEdges, fc.integer({ min: 0, max: 35 }), fc.option(fc.constantFrom(...nodes), { nil: undefined }), (edges, budget, selected) => {
      const { drawn } = budgetEdges(edges, budget, selected);
      const mine = edges.filter((e) => e.source === selected || e.target === selected);
      expect(drawn.size).toBeLessThanOrEqual(budget + mine.length);
      for (const e of mine) expect(drawn.has(e.key)).toBe(true);
      const dropped = edges.filter((e) => e.dropped);
      const droppedDrawn = dropped.filter((e) => drawn.has(e.key)).length;
      expect(droppedDrawn).toBeGreaterThanOrEqual(Math.min(dropped.length, budget));
      for (const e of drawn) expect(edges.some((x) => x.key === e)).toBe(true);
      if (edges.length <= budget) expect(drawn.size).toBe(edges.length);
    }));
  });
});
