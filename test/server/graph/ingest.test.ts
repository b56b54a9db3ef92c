import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowFileInputs, ingest } from '../../../server/graph/ingest.ts';
import { projectGraph, summarizeGraph } from '../../../server/graph/builder.ts';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const HUBBLE = path.join(DATA, 'hubble');
const bookinfoFiles = readdirSync(HUBBLE).filter((f) => f.startsWith('hubble-otel-basic-sample-')).map((f) => path.join(HUBBLE, f));

let bookinfo: ReturnType<typeof ingest> | undefined;
const ingestBookinfo = () => (bookinfo ??= ingest({ flowPaths: bookinfoFiles }));

async function bookinfoEdges(): Promise<Set<string>> {
  const { builder } = await ingestBookinfo();
  const out = new Set<string>();
  for (const e of projectGraph(builder.graph, 'workload').edges) {
    const name = (k: string) => k.replace(/^wl:kind-kind\/[^/]+\/[^/]+\//, '');
    if (e.source.startsWith('wl:kind-kind/') && e.target.startsWith('wl:kind-kind/')) {
      out.add(`${name(e.source)} -> ${name(e.target)} ${e.attributes.protocol}/${e.attributes.port}`);
    }
  }
  return out;
}

describe('ingest on the real Hubble bookinfo captures', () => {
  it('finds the bookinfo request edges and DNS to kube-dns', async () => {
    const edges = await bookinfoEdges();
    for (const expected of [
      'productpage-v1 -> details-v1 TCP/9080',
      'productpage-v1 -> reviews-v1 TCP/9080',
      'productpage-v1 -> reviews-v2 TCP/9080',
      'productpage-v1 -> reviews-v3 TCP/9080',
      'reviews-v2 -> ratings-v1 TCP/9080',
      'reviews-v3 -> ratings-v1 TCP/9080',
      'productpage-v1 -> coredns UDP/53',
      'ratings-v1 -> coredns UDP/53',
    ]) expect(edges).toContain(expected);
  });

  it('makes no reply edges: no server answering its client, no ephemeral destination port', async () => {
    const edges = await bookinfoEdges();
    for (const e of edges) {
      expect(e).not.toMatch(/^(details-v1|reviews-v\d|coredns) -> productpage-v1/);
      expect(e).not.toMatch(/^coredns -> /);
      const port = Number(e.split('/').pop());
      expect(port).toBeLessThan(32768);
    }
    const { builder } = await ingestBookinfo();
    for (const e of projectGraph(builder.graph, 'workload').edges) {
      if (e.attributes.port !== undefined) expect(e.attributes.port).toBeLessThan(32768);
    }
  });

  it('marks kube-dns of the capture as DNS infrastructure and counts no inter-cluster edge', async () => {
    const { builder } = await ingestBookinfo();
    expect(builder.graph.getNodeAttributes('wl:kind-kind/kube-system/Deployment/coredns')).toMatchObject({ infra: 'dns', inferred: 'pod-name' });
    expect(summarizeGraph(builder.graph).interClusterEdges).toBe(0);
  });

  it('reports progress with lines and a rate from an injected clock', async () => {
    let t = 0;
    const seen: number[] = [];
    await ingest({ flowPaths: [path.join(HUBBLE, 'hubble-otel-basic-sample-400-tcp-flows.json')], now: () => (t += 100), onProgress: (p) => seen.push(p.lines, p.rate) });
    expect(seen[seen.length - 2]).toBe(400);
    expect(seen[seen.length - 1]).toBeGreaterThan(0);
  });
});

describe('flow files and their clusters', () => {
  function estate(): string {
    const root = mkdtempSync(path.join(tmpdir(), 'netatlas-graph-'));
    mkdirSync(path.join(root, 'prod'));
    writeFileSync(path.join(root, 'prod', 'flows.jsonl'), '{"source":"shop/web","destination":"10.2.0.9","protocol":"TCP","port":80,"verdict":"FORWARDED","count":1,"time":"2026-11-27T10:00:00Z"}\n');
    writeFileSync(path.join(root, 'prod', 'inventory.json'), '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": []\n}\n');
    writeFileSync(path.join(root, 'top.jsonl'), '{"source":"shop/web","destination":"10.2.0.9","protocol":"TCP","port":80,"verdict":"FORWARDED","count":1,"time":"2026-11-27T10:00:00Z"}\n');
    return root;
  }

  it('takes the cluster from the folder convention, else the flag, else none', () => {
    const root = estate();
    const inputs = flowFileInputs([root]);
    expect(inputs.find((i) => i.file.endsWith('flows.jsonl'))?.cluster).toBe('prod');
    expect(inputs.find((i) => i.file.endsWith('top.jsonl'))?.cluster).toBeUndefined();
    expect(flowFileInputs([root], 'dev').every((i) => i.cluster === 'dev')).toBe(true);
  });

  it('skips an inventory dump found beside flow files and lists it', async () => {
    const root = estate();
    const result = await ingest({ flowPaths: [root] });
    expect(result.errors).toEqual([]);
    expect(result.skippedFiles.map((f) => path.basename(f))).toEqual(['inventory.json']);
    expect(result.builder.graph.hasNode('wl:prod/shop/Pod/web')).toBe(true);
  });

  it('reports a named file of unknown format as an error and keeps the rest', async () => {
    const root = estate();
    const result = await ingest({ flowPaths: [path.join(root, 'prod', 'inventory.json'), path.join(root, 'prod', 'flows.jsonl')] });
    expect(result.errors.map((e) => e.name)).toEqual(['InputError']);
    expect(result.builder.graph.size).toBeGreaterThan(0);
  });
});
