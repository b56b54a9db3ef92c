import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateCommand, writeDemo } from '../../samples/generate.ts';
import { buildEstate, DEFAULT_OPTIONS } from '../../samples/lib/index.ts';
import { DEMO_DIR, generateInMemory, defaultDemo } from './fixtures.ts';

describe('samples/generate', () => {
  it('gives byte-identical output for the same seed', () => {
    const a = defaultDemo().files;
    const b = generateInMemory();
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [path, text] of a) expect(b.get(path) === text, path).toBe(true);
  });

  it('gives different flows for a different seed', () => {
    const other = generateInMemory({ seed: 'another-seed' });
    expect(other.get('prod/flows.jsonl')).not.toEqual(defaultDemo().files.get('prod/flows.jsonl'));
  });

  it('matches the committed samples/demo byte for byte (regenerate it, never edit it by hand)', () => {
    const demoDir = fileURLToPath(DEMO_DIR);
    const committed = new Map<string, string>();
    for (const cluster of readdirSync(demoDir)) {
      if (!statSync(`${demoDir}/${cluster}`).isDirectory()) continue;
      for (const file of readdirSync(`${demoDir}/${cluster}`)) committed.set(`${cluster}/${file}`, readFileSync(`${demoDir}/${cluster}/${file}`, 'utf8'));
    }
    const fresh = defaultDemo().files;
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) {
      expect(committed.get(path) === text, `${path} differs: run npx tsx samples/generate.ts`).toBe(true);
    }
  });

  it('writes the same bytes to disk (streamed flow files) as it generates in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netatlas-samples-'));
    try {
      const logged: string[] = [];
      await writeDemo(dir, DEFAULT_OPTIONS, (line) => logged.push(line));
      expect(logged).toHaveLength(6);
      for (const [path, text] of defaultDemo().files) expect(readFileSync(join(dir, path), 'utf8') === text, path).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the committed demo under 5 MB', () => {
    const total = [...defaultDemo().files.values()].reduce((n, t) => n + Buffer.byteLength(t), 0);
    expect(total).toBeLessThan(5 * 1024 * 1024);
  });

  it('writes one inventory and one flow file per cluster: dev, prod, finance', () => {
    expect([...defaultDemo().files.keys()]).toEqual([
      'dev/inventory.json', 'dev/flows.jsonl', 'prod/inventory.json', 'prod/flows.jsonl', 'finance/inventory.json', 'finance/flows.jsonl',
    ]);
  });

  it('scales the application namespaces and the clusters on request', () => {
    const estate = buildEstate({ ...DEFAULT_OPTIONS, scale: 3, clusters: 4 });
    expect(estate.clusters.map((c) => c.name)).toEqual(['dev', 'prod', 'finance', 'prod-4']);
    expect(estate.clusters[1].appNamespaces).toEqual(['boutique', 'boutique-2', 'boutique-3']);
    expect(estate.clusters[2].appNamespaces).toEqual(['payments', 'payments-2', 'payments-3']);
    const pods = estate.clusters.flatMap((c) => c.workloads.flatMap((w) => w.pods));
    expect(new Set(pods.map((p) => p.ip)).size).toBe(pods.length);
  });

  it('multiplies connections but not edges with --repeat', () => {
    const one = buildEstate({ ...DEFAULT_OPTIONS });
    const three = buildEstate({ ...DEFAULT_OPTIONS, repeat: 3 });
    expect(three.edges.map((e) => e.id)).toEqual(one.edges.map((e) => e.id));
    expect(three.edges.map((e) => e.count)).toEqual(one.edges.map((e) => e.count * 3));
  });

  it('rejects fewer than three clusters with a clear error', () => {
    expect(() => buildEstate({ ...DEFAULT_OPTIONS, clusters: 2 })).toThrow(/--clusters must be an integer between 3/);
  });

  it('documents every option in --help', () => {
    const help = generateCommand().helpInformation();
    for (const opt of ['--out', '--scale', '--clusters', '--repeat', '--seed']) expect(help).toContain(opt);
  });
});
