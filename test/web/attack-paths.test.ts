import { describe, expect, it } from 'vitest';
import { hopEvidence, hopTitle, pathFocus, percent, type AttackPath, type PathHop } from '../../web/src/state/attack-paths.ts';

const FRONTEND = 'wl:prod/shop/Deployment/frontend';
const API = 'wl:prod/shop/Deployment/api';
const LEDGER = 'wl:finance/ledger/Deployment/ledger';

function hop(from: string, to: string, observed: boolean): PathHop {
  return { from, to, allowed: 'TCP 8080', observed, evidence: observed ? ['TCP 8080'] : [], likelihood: 0.5 };
}

function threeHopPath(cutHop: number | undefined): Pick<AttackPath, 'hops' | 'cut'> {
  return {
    hops: [hop('internet', FRONTEND, true), hop(FRONTEND, API, true), hop(API, LEDGER, false)],
    cut: cutHop === undefined ? { status: 'impossible', changes: [], reasons: ['every hop is observed'] } : { status: 'cut', hop: cutHop, changes: [], reasons: [] },
  };
}

const everything = (): boolean => true;

describe('attack paths on the map', () => {
  it('lights every hop end but the internet, and each hop edge the map draws', () => {
    const f = pathFocus(threeHopPath(2), everything, (k) => k !== `${API}=>${LEDGER}`);
    expect([...f.nodes]).toEqual([FRONTEND, API, LEDGER]);
    expect([...f.edges]).toEqual([`${FRONTEND}=>${API}`]);
  });

  it('marks the drawn edge of the hop the cut removes', () => {
    expect(pathFocus(threeHopPath(1), everything, everything).cutEdge).toBe(`${FRONTEND}=>${API}`);
  });

  it('marks no edge when there is no cut, or when the cut hop comes from the internet', () => {
    expect(pathFocus(threeHopPath(undefined), everything, everything).cutEdge).toBeUndefined();
    expect(pathFocus(threeHopPath(0), everything, everything).cutEdge).toBeUndefined();
  });

  it('draws each hop between map nodes as a link, the cut one marked, and names the node the internet enters by', () => {
    const f = pathFocus(threeHopPath(2), everything, (k) => k !== `${API}=>${LEDGER}`);
    expect(f.links).toEqual([
      { source: FRONTEND, target: API, observed: true, cut: false, drawn: true },
      { source: API, target: LEDGER, observed: false, cut: true, drawn: false },
    ]);
    expect(f.fromInternet).toBe(FRONTEND);
  });

  it('leaves out nodes the map does not hold', () => {
    expect([...pathFocus(threeHopPath(1), (k) => k !== LEDGER, everything).nodes]).toEqual([FRONTEND, API]);
  });

  it.each([
    [hop('internet', FRONTEND, true), 'the internet → frontend', 'observed: TCP 8080'],
    [hop(API, LEDGER, false), 'api → ledger', 'allowed, never observed: TCP 8080'],
  ])('names a hop and its evidence in words (%#)', (h, title, evidence) => {
    expect(hopTitle(h, (k) => k.split('/').at(-1)!)).toBe(title);
    expect(hopEvidence(h)).toBe(evidence);
  });

  it.each([[0.42, '42%'], [0.001, '<1%'], [0, '0%'], [1, '100%']])('shows likelihood %s as %s', (p, text) => {
    expect(percent(p)).toBe(text);
  });
});
