import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FlowRow, FlowsResponse } from '../../server/http/api-types.ts';
import {
  cappedNote, endLabel, endTitle, flowCells, flowsQuery, hasNextPage, initialFlowTable, nextPage, pageSummary, previousPage, withFilter,
} from '../../web/src/state/flow-table.ts';

const EDGE = 'wl:prod/shop/Deployment/web->wl:prod/shop/Deployment/cart|TCP|7070';

const forwardedRow: FlowRow = {
  firstSeen: 1_000, lastSeen: 2_000, protocol: 'TCP', verdict: 'FORWARDED', reports: 3, observationPoint: 'hubble:to-endpoint',
  source: { cluster: 'prod', namespace: 'shop', pod: 'web-1', ip: '10.0.0.1', port: 40_123 },
  destination: { cluster: 'prod', namespace: 'shop', pod: 'cart-7', ip: '10.0.0.2', port: 7070 },
};
const droppedRow: FlowRow = { ...forwardedRow, verdict: 'DROPPED', dropReason: 'POLICY_DENIED', policy: 'shop/default-deny', reports: 1 };
const externalRow: FlowRow = { ...forwardedRow, destination: { ip: '52.1.2.3', port: 443 } };

const firstPage: FlowsResponse = { edge: EDGE, rows: [forwardedRow, droppedRow], total: 5, nextCursor: 'c1', kept: { perEdgeMinute: 100, capped: false } };
const secondPage: FlowsResponse = { ...firstPage, rows: [externalRow, forwardedRow], total: 120, nextCursor: 'c2' };
const lastPage: FlowsResponse = { ...firstPage, rows: [droppedRow], nextCursor: undefined };
const cappedPage: FlowsResponse = { ...firstPage, total: 1_200, kept: { perEdgeMinute: 100, capped: true } };
const emptyAnswer: FlowsResponse = { edge: EDGE, rows: [], total: 0, kept: { perEdgeMinute: 100, capped: false } };

const params = (q: string): Record<string, string> => Object.fromEntries(new URLSearchParams(q));

describe('flows table: the query', () => {
  it('asks the first page of an edge, newest first by the server, with the page size and no cursor', () => {
    expect(params(flowsQuery(initialFlowTable(EDGE)))).toEqual({ edge: EDGE, limit: '50' });
  });

  it.each([
    ['a verdict', { verdict: 'DROPPED' as const }, { verdict: 'DROPPED' }],
    ['a text filter (trimmed)', { q: '  cart-7 ' }, { q: 'cart-7' }],
    ['blank text, which asks nothing', { q: '   ' }, {}],
  ])('forwards %s', (_name, patch, expected) => {
    expect(params(flowsQuery(withFilter(initialFlowTable(EDGE), patch)))).toEqual({ edge: EDGE, limit: '50', ...expected });
  });

  it('forwards the view\'s time window as from/to', () => {
    expect(params(flowsQuery(initialFlowTable(EDGE, { from: 10, to: 20 })))).toMatchObject({ from: '10', to: '20' });
  });

  it('clearing the verdict filter leaves no verdict parameter', () => {
    const s = withFilter(withFilter(initialFlowTable(EDGE), { verdict: 'DROPPED' }), { verdict: undefined });
    expect(params(flowsQuery(s))).not.toHaveProperty('verdict');
  });
});

describe('flows table: paging', () => {
  it('the next page asks with the cursor of the page before', () => {
    const s = nextPage(initialFlowTable(EDGE), firstPage);
    expect(s.page).toBe(1);
    expect(params(flowsQuery(s)).cursor).toBe('c1');
  });

  it('previous comes back to the exact cursor of the earlier page', () => {
    const two = nextPage(nextPage(initialFlowTable(EDGE), firstPage), secondPage);
    expect(params(flowsQuery(two)).cursor).toBe('c2');
    expect(params(flowsQuery(previousPage(two))).cursor).toBe('c1');
    expect(params(flowsQuery(previousPage(previousPage(two))))).not.toHaveProperty('cursor');
  });

  it('the last page (no cursor) has no next page and next leaves the state as it is', () => {
    const s = initialFlowTable(EDGE);
    expect(hasNextPage(lastPage)).toBe(false);
    expect(nextPage(s, lastPage)).toBe(s);
  });

  it('previous on the first page stays there', () => {
    const s = initialFlowTable(EDGE);
    expect(previousPage(s)).toBe(s);
  });

  it('a filter change goes back to the first page and forgets the old cursors', () => {
    const s = withFilter(nextPage(initialFlowTable(EDGE), firstPage), { q: 'web' });
    expect(s.page).toBe(0);
    expect(s.cursors).toEqual([undefined]);
  });

  it('walking forward and back any number of times asks each page with the cursor it was reached by', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 30 }), (moves) => {
      let s = initialFlowTable(EDGE);
      for (const forward of moves) {
        s = forward ? nextPage(s, { ...firstPage, nextCursor: `c${s.page + 1}` }) : previousPage(s);
        const cursor = params(flowsQuery(s)).cursor;
        expect(cursor).toBe(s.page === 0 ? undefined : `c${s.page}`);
      }
    }));
  });
});

describe('flows table: words', () => {
  it.each([
    ['a page in the middle', nextPage(initialFlowTable(EDGE), firstPage), secondPage, '51-52 of 120 connections'],
    ['the first page', initialFlowTable(EDGE), firstPage, '1-2 of 5 connections'],
    ['a capped range, whose total is a lower bound', initialFlowTable(EDGE), cappedPage, '1-2 of at least 1,200 connections'],
    ['nothing matching', initialFlowTable(EDGE), emptyAnswer, 'no connections match'],
  ])('summarises %s', (_name, state, answer, expected) => {
    expect(pageSummary(state, answer)).toBe(expected);
  });

  it('says the store\'s cap only when some minute reached it', () => {
    expect(cappedNote(firstPage)).toBeUndefined();
    expect(cappedNote(cappedPage)).toContain('at most 100 connections per edge and minute');
  });

  it.each([
    ['a pod by its name and port', forwardedRow.source, 'web-1:40123', 'prod/shop/web-1 (10.0.0.1)'],
    ['an address outside the clusters', externalRow.destination, '52.1.2.3:443', '52.1.2.3'],
    ['an end with neither pod nor address', {}, '?', 'unknown end'],
  ])('names %s, in short and in full', (_name, end, short, full) => {
    expect(endLabel(end)).toBe(short);
    expect(endTitle(end)).toBe(full);
  });

  it('gives a dropped row its reason, the deciding policy and the reports folded into it', () => {
    expect(flowCells(droppedRow, (ms) => `t${ms}`)).toEqual({
      time: 't1000', lastSeen: 't2000', source: 'web-1:40123', sourceTitle: 'prod/shop/web-1 (10.0.0.1)',
      destination: 'cart-7:7070', destinationTitle: 'prod/shop/cart-7 (10.0.0.2)', protocol: 'TCP',
      observationPoint: 'hubble:to-endpoint', verdict: 'dropped', dropReason: 'POLICY_DENIED', policy: 'shop/default-deny', reports: '1',
    });
  });
});
