/**
 * Calico's selector language, one row per construct of Calico's documentation (NetworkPolicy
 * resource, "Selectors"), the documentation's own examples among them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalicoSelectorError, matchesCalicoSelector, parseCalicoSelector } from '../../../generator/semantics/kinds/calico-selector.ts';

const web = { app: 'web', env: 'prod', tier: 'frontend' };
const db = { app: 'db', env: 'staging' };
const bare = {};

interface Row {
  selector: string;
  labels: Record<string, string>;
  matches: boolean;
}

const rows: Row[] = [
  { selector: "app == 'web'", labels: web, matches: true },
  { selector: "app == 'web'", labels: db, matches: false },
  { selector: 'app == "web"', labels: web, matches: true },
  { selector: "app != 'web'", labels: db, matches: true },
  { selector: "app != 'web'", labels: bare, matches: true },
  { selector: "app != 'web'", labels: web, matches: false },
  { selector: "env in { 'prod', 'staging' }", labels: db, matches: true },
  { selector: "env in { 'prod', 'staging' }", labels: bare, matches: false },
  { selector: "env not in { 'prod' }", labels: db, matches: true },
  { selector: "env not in { 'prod' }", labels: bare, matches: true },
  { selector: "env not in { 'prod' }", labels: web, matches: false },
  { selector: 'env in {}', labels: web, matches: false },
  { selector: 'has(tier)', labels: web, matches: true },
  { selector: 'has(tier)', labels: db, matches: false },
  { selector: '!has(tier)', labels: db, matches: true },
  { selector: "app == 'web' && env == 'prod'", labels: web, matches: true },
  { selector: "app == 'web' && env == 'staging'", labels: web, matches: false },
  { selector: "app == 'db' || env == 'prod'", labels: web, matches: true },
  { selector: "app == 'db' || app == 'web' && env == 'staging'", labels: web, matches: false },
  { selector: "(app == 'db' || app == 'web') && env == 'prod'", labels: web, matches: true },
  { selector: "!(app == 'web')", labels: web, matches: false },
  { selector: "app contains 'e'", labels: web, matches: true },
  { selector: "app starts with 'd'", labels: db, matches: true },
  { selector: "app ends with 'b'", labels: web, matches: true },
  { selector: "app ends with 'b'", labels: bare, matches: false },
  { selector: 'all()', labels: bare, matches: true },
  { selector: '', labels: bare, matches: true },
  { selector: 'global()', labels: web, matches: false },
  { selector: '!global()', labels: web, matches: true },
  { selector: "projectcalico.org/namespace == 'shop'", labels: { 'projectcalico.org/namespace': 'shop' }, matches: true },
  // The docs' examples: "role == 'database'" and "type == 'application'"-style policies.
  { selector: "role == 'database'", labels: { role: 'database' }, matches: true },
  { selector: "role == 'frontend'", labels: { role: 'database' }, matches: false },
  { selector: "has(projectcalico.org/name) && projectcalico.org/name not in {'kube-system', 'calico-system'}", labels: { 'projectcalico.org/name': 'shop' }, matches: true },
  { selector: "has(projectcalico.org/name) && projectcalico.org/name not in {'kube-system', 'calico-system'}", labels: { 'projectcalico.org/name': 'kube-system' }, matches: false },
];

describe('Calico selector semantics from the documentation', () => {
  it.each(rows.map((r) => [`${r.selector || '(empty)'} on ${JSON.stringify(r.labels)} is ${r.matches}`, r] as const))('%s', (_n, r) => {
    expect(matchesCalicoSelector(parseCalicoSelector(r.selector), r.labels)).toBe(r.matches);
  });

  it('global() matches a non-namespaced resource', () => {
    expect(matchesCalicoSelector(parseCalicoSelector('global()'), {}, true)).toBe(true);
  });
});

describe('Calico selector errors name the column and what was expected', () => {
  const bad: [string, number, RegExp][] = [
    ["app == 'web", 8, /never closed/],
    ['app == web', 8, /expected a quoted value/],
    ["app = 'web'", 5, /unexpected character "="/],
    ["app == 'a' &&", 14, /expected a label key.*found the end/],
    ["(app == 'a'", 12, /"\)" closing the parenthesis/],
    ["env in { 'a' 'b' }", 14, /"," or "}"/],
    ["env not { 'a' }", 9, /"in" after "not"/],
    ['has()', 5, /label key inside has\(\)/],
    ['all(x)', 5, /takes no argument/],
    ["app == 'a' app", 12, /"&&", "\|\|" or the end/],
    ['app', 4, /an operator after label key "app"/],
  ];
  it.each(bad)('%s fails at column %i', (sel, column, message) => {
    let err: unknown;
    try {
      parseCalicoSelector(sel);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CalicoSelectorError);
    expect((err as CalicoSelectorError).column).toBe(column);
    expect((err as Error).message).toMatch(message);
  });
});

describe('Calico selector laws', () => {
  const key = fc.constantFrom('app', 'env', 'tier');
  const value = fc.constantFrom('a', 'b', 'c');
  const labels = fc.dictionary(key, value);
  it('"!=" is the negation of "==" and "not in" the negation of "in"', () => {
    fc.assert(fc.property(key, value, fc.array(value, { maxLength: 3 }), labels, (k, v, vs, l) => {
      const set = `{${vs.map((x) => `'${x}'`).join(',')}}`;
      expect(matchesCalicoSelector(parseCalicoSelector(`${k} != '${v}'`), l)).toBe(!matchesCalicoSelector(parseCalicoSelector(`${k} == '${v}'`), l));
      expect(matchesCalicoSelector(parseCalicoSelector(`${k} not in ${set}`), l)).toBe(!matchesCalicoSelector(parseCalicoSelector(`${k} in ${set}`), l));
    }));
  });
});
