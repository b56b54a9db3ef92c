import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeViewState, DEFAULT_VIEW, encodeViewState, type ViewState } from '../../web/src/state/url-state.ts';
import { EMPTY_FILTERS } from '../../web/src/state/filters.ts';
import { readFileSync } from 'node:fs';

describe('URL state', () => {
  it('the default view encodes to an empty query', () => {
    expect(encodeViewState(DEFAULT_VIEW)).toBe('');
    expect(decodeViewState('')).toEqual(DEFAULT_VIEW);
  });

  it("the page's HTML already shows the default level (no repaint before the map's first frame)", () => {
    const html = readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8');
    const level = /<select id="level"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
    const selected = [...level.matchAll(/<option value="(\w+)"( selected)?>/g)].filter((m) => m[2]).map((m) => m[1]);
    expect(selected).toEqual([DEFAULT_VIEW.level]);
  });

  it('a full view survives a round trip', () => {
    const view: ViewState = {
      level: 'pod', mode: 'diff',
      filters: { clusters: ['prod', 'dev'], namespaces: ['boutique'], verdicts: ['DROPPED'], protocol: 'TCP', port: 7070, since: 1000, until: 2000, hideInfra: true, interClusterOnly: true },
      selection: 'wl:prod/boutique/Deployment/cartservice',
      camera: { x: 0.25, y: 0.75, ratio: 0.125 },
      collapsed: ['ns:dev/boutique'],
      diffOnly: 'would-break',
    };
    expect(decodeViewState(`?${encodeViewState(view)}`)).toEqual(view);
  });

  it('leaves the groups the map folded by itself out of the URL, and says when the user opened them all', () => {
    const auto = ['ns:c0/a', 'ns:c0/b'];
    const folded: ViewState = { ...DEFAULT_VIEW, collapsed: auto };
    expect(encodeViewState(folded, auto)).toBe('');
    expect(new URLSearchParams(encodeViewState({ ...DEFAULT_VIEW, collapsed: ['ns:c0/b'] }, auto)).get('collapsed')).toBe('ns:c0/b');
    const opened = encodeViewState({ ...DEFAULT_VIEW, collapsed: [] }, auto);
    expect(new URLSearchParams(opened).has('collapsed')).toBe(true);
    expect(decodeViewState(opened).collapsed).toEqual([]);
    expect(encodeViewState({ ...DEFAULT_VIEW, collapsed: [] }, [])).toBe('');
  });

  it('malformed values fall back to defaults instead of throwing', () => {
    const v = decodeViewState('level=galaxy&mode=3d&verdicts=DROPPED,NOPE&port=99999&protocol=HTTP&cam=1,2,-3&hideInfra=yes');
    expect(v.level).toBe('workload');
    expect(v.mode).toBe('map');
    expect(v.filters).toEqual({ ...EMPTY_FILTERS, verdicts: ['DROPPED'] });
    expect(v.camera).toBeUndefined();
  });

  it('keys with slashes, colons and arrows round-trip in the selection', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (s) => {
      const sel = `wl:${s}/x->y|TCP|1`;
      expect(decodeViewState(encodeViewState({ ...DEFAULT_VIEW, selection: sel })).selection).toBe(sel);
    }));
  });
});
