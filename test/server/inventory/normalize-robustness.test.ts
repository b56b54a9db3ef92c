import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INVENTORY_KINDS, normalizeObject } from '../../../server/inventory/normalize.ts';
import { parseDocuments } from '../../../server/inventory/parse-documents.ts';

const json = fc.jsonValue({ maxDepth: 4 });

describe('normalizer robustness', () => {
  it('never throws on arbitrary specs of every kind: it returns an object, a warning or an InputError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INVENTORY_KINDS, 'ConfigMap', ''), json, json, json, json, (kind, metadata, spec, status, extra) => {
        const raw = { kind, metadata: typeof metadata === 'object' && metadata !== null ? { name: 'x', ...metadata } : metadata, spec, status, endpoints: extra, ports: extra };
        const outcome = normalizeObject(raw, { cluster: 'c', source: { file: 'f.yaml', line: 1 } });
        expect(['object', 'skipped', 'invalid']).toContain(outcome.kind);
        if (outcome.kind === 'invalid') expect(outcome.error.message).toMatch(/^netatlas\/inventory: f\.yaml:1 /);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary text: parse problems become InputErrors with the file name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseDocuments(text, 'f.yaml');
        for (const e of parsed.errors) expect(e.message).toContain('f.yaml');
      }),
      { numRuns: 300 },
    );
  });
});
