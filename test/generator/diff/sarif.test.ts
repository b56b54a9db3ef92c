/**
 * `netatlas diff -o sarif` as GitHub code scanning ingests it: the SARIF 2.1.0 shape (typed
 * with @types/sarif in generator/diff/format.ts) and GitHub's documented upload rules: a
 * physical location on every result, repo-relative with a uriBaseId, a region at the object's
 * line (also for objects inside List dumps), rules with descriptions, help and a
 * security-severity, and the documented per-run limits.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Log } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffIntendedActual, formatDiffReport, riskFindings, sarifArtifact } from '../../../generator/diff/index.ts';
import type { Inventory } from '../../../generator/model/index.ts';
import { jsonItemLines } from '../../../server/inventory/parse-documents.ts';
import { sarifSchemaErrors } from '../../support/sarif-schema.ts';
import { demoInventory, truthEdges } from './fixtures.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

let inventory: Inventory;
let log: Log;

beforeAll(async () => {
  inventory = await demoInventory();
  const edges = truthEdges();
  const diff = diffIntendedActual({ inventory, edges });
  const risk = riskFindings({ inventory, edges, diff });
  log = JSON.parse(formatDiffReport({ intended: 'x', diff, risk }, 'sarif', { root: ROOT })) as Log;
});

describe('SARIF for GitHub code scanning', () => {
  it('validates against the SARIF 2.1.0 JSON schema', () => {
    expect(sarifSchemaErrors(log)).toEqual([]);
    // The validator rejects what the schema forbids, so the pass above means something.
    expect(sarifSchemaErrors({ ...log, runs: [{ ...log.runs[0], results: [{ message: 'not an object' }] }] })).not.toEqual([]);
  });

  it('is SARIF 2.1.0 with one run of the netatlas driver within GitHub limits', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('netatlas');
    expect(run.results!.length).toBeGreaterThan(20);
    expect(run.results!.length).toBeLessThanOrEqual(25_000);
    expect(run.tool.driver.rules!.length).toBeLessThanOrEqual(25_000);
  });

  it('gives every rule a short and full description, help and a security-severity GitHub can rank', () => {
    for (const rule of log.runs[0].tool.driver.rules!) {
      expect(rule.shortDescription?.text.length, rule.id).toBeGreaterThan(0);
      expect(rule.shortDescription!.text.length, rule.id).toBeLessThanOrEqual(1024);
      expect(rule.fullDescription?.text.length, rule.id).toBeGreaterThan(0);
      expect(rule.help?.text.length, rule.id).toBeGreaterThan(0);
      const sev = rule.properties?.['security-severity'] as string;
      expect(typeof sev, rule.id).toBe('string');
      expect(Number(sev) >= 0 && Number(sev) <= 10, `${rule.id}: ${sev}`).toBe(true);
      expect((rule.properties?.tags as string[]).length).toBeLessThanOrEqual(20);
    }
  });

  it('puts a repo-relative physical location with a region on every result, at the line of the object it names', () => {
    const run = log.runs[0];
    const ids = run.tool.driver.rules!.map((r) => r.id);
    const files = new Map<string, string[]>();
    for (const r of run.results!) {
      expect(ids[r.ruleIndex!]).toBe(r.ruleId);
      expect(r.message.text!.length).toBeGreaterThan(0);
      expect(r.partialFingerprints?.netatlasFinding).toBeDefined();
      expect(r.locations!.length).toBeLessThanOrEqual(1000);
      const phys = r.locations![0].physicalLocation!;
      const uri = phys.artifactLocation!.uri!;
      expect(phys.artifactLocation!.uriBaseId).toBe('%SRCROOT%');
      expect(uri, r.ruleId).not.toMatch(/^([a-z]+:|\/)/);
      const line = phys.region!.startLine!;
      expect(Number.isInteger(line) && line >= 1).toBe(true);
      // The file exists in the repository and the line opens the object the result names.
      const file = decodeURIComponent(uri);
      if (!files.has(file)) files.set(file, readFileSync(path.join(ROOT, file), 'utf8').split('\n'));
      const object = r.locations![0].logicalLocations![0].fullyQualifiedName!;
      const name = object.split('/').pop()!;
      const window = files.get(file)!.slice(line - 1, line + 40).join('\n');
      expect(window, `${r.ruleId} ${object} at ${file}:${line}`).toContain(`"name": "${name}"`);
    }
  });

  it('locates findings about flows at their workload, not only findings about policies', () => {
    const kinds = new Set(log.runs[0].results!.filter((r) => r.locations![0].physicalLocation!.region!.startLine! > 1).map((r) => r.ruleId));
    for (const k of ['would-break', 'observed-drop', 'cross-environment', 'world-exposed', 'allow-all']) expect(kinds.has(k), k).toBe(true);
  });
});

describe('sarifArtifact', () => {
  const cases: { file: string; root?: string; expected: { uri: string; uriBaseId?: string } }[] = [
    { file: '/repo/dumps/prod/inventory.json', root: '/repo', expected: { uri: 'dumps/prod/inventory.json', uriBaseId: '%SRCROOT%' } },
    { file: '/repo/dumps/a b.yaml', root: '/repo/', expected: { uri: 'dumps/a%20b.yaml', uriBaseId: '%SRCROOT%' } },
    { file: 'dumps/./prod/../prod/x.yaml', root: '/repo', expected: { uri: 'dumps/prod/x.yaml', uriBaseId: '%SRCROOT%' } },
    { file: '/elsewhere/x.yaml', root: '/repo/sub', expected: { uri: '../../elsewhere/x.yaml', uriBaseId: '%SRCROOT%' } },
    { file: '/x.yaml', expected: { uri: 'file:///x.yaml' } },
    { file: 'https://example.test/x.yaml', root: '/repo', expected: { uri: 'https://example.test/x.yaml' } },
  ];
  for (const c of cases) {
    it(`writes ${c.file} under root ${c.root ?? '(none)'} as ${c.expected.uri}`, () => {
      expect(sarifArtifact(c.file, c.root)).toEqual(c.expected);
    });
  }
});

describe('jsonItemLines', () => {
  it('finds the line of every item of a kubectl List dump, skipping brackets inside strings', () => {
    const text = '{\n  "kind": "List",\n  "items": [\n    {"a": "x,]}"},\n    {"b": [1, 2]}\n    ,\n    {"c": 3}\n  ]\n}\n';
    expect(jsonItemLines(text)).toEqual([4, 5, 7]);
    expect(jsonItemLines('{"kind": "Pod"}')).toBeUndefined();
  });

  it('gives each object read from a List dump its own line', () => {
    const pods = inventory.pods.filter((p) => p.cluster === 'prod' && p.source?.file?.endsWith('inventory.json'));
    expect(pods.length).toBeGreaterThan(10);
    expect(new Set(pods.map((p) => p.source!.line)).size).toBe(pods.length);
  });
});
