import { describe, expect, it } from 'vitest';
import { formatSelector, matchesSelector, namespaceLabels, validateSelector } from '../../../generator/selectors/index.ts';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['web', 'api'] }] }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn' as const, values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' as const }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Exists' as const }] }, true],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['front'] }] }, false],
  ])('%j matches app=web,tier=front: %s', (selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });

  it('synthesizes kubernetes.io/metadata.name without dropping other labels', () => {
    expect(namespaceLabels('shop', { team: 'a' })).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'shop' });
  });

  it('reports operators used with the wrong number of values', () => {
    expect(validateSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }, { key: 'b', operator: 'NotIn' }] })).toHaveLength(2);
  });

  it('prints selectors the way kubectl does', () => {
    expect(formatSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 't', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] })).toBe('app=web,t in (a,b),!x');
    expect(formatSelector({})).toBe('(all)');
  });
});
