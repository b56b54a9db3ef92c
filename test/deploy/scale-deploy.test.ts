import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { collectCommand } from '../../server/cli/collect.ts';
import { serveCommand } from '../../server/cli/serve.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const load = (...files: string[]): Obj[] =>
  files.flatMap((f) => parseAllDocuments(readFileSync(DEPLOY + f, 'utf8')).map((d) => d.toJS() as Obj)).filter(Boolean);

const collector = load('collector/rbac.yaml', 'collector/deployment.yaml', 'collector/networkpolicy.yaml');
const central = load('central/deployment.yaml');
const kind = (objs: Obj[], k: string): Obj[] => objs.filter((o) => o.kind === k);
const container = (objs: Obj[]): Obj => kind(objs, 'Deployment')[0].spec.template.spec.containers[0];
const flagsOf = (c: Obj): string[] => (c.args as string[]).filter((a) => a.startsWith('--'));

describe('deploy/collector', () => {
  it('grants the same read-only rules as the serve deployment, bound to the collector\'s ServiceAccount', () => {
    const serveRole = kind(load('rbac.yaml'), 'ClusterRole')[0];
    const role = kind(collector, 'ClusterRole')[0];
    expect(role.rules).toEqual(serveRole.rules);
    const binding = kind(collector, 'ClusterRoleBinding')[0];
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'netatlas-collector', namespace: 'netatlas' }]);
  });

  it('runs `netatlas collect` with flags it knows, its spool on a claim, one replica', () => {
    const c = container(collector);
    expect(c.args[0]).toBe('collect');
    const known = new Set(collectCommand().options.map((o) => o.long));
    expect(flagsOf(c).filter((f) => !known.has(f))).toEqual([]);
    const spool = c.args[c.args.indexOf('--spool') + 1] as string;
    const mount = c.volumeMounts.find((m: Obj) => spool.startsWith(`${m.mountPath}/`));
    const volume = kind(collector, 'Deployment')[0].spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
    expect(volume.persistentVolumeClaim.claimName).toBe(kind(collector, 'PersistentVolumeClaim')[0].metadata.name);
    expect(kind(collector, 'Deployment')[0].spec.replicas).toBe(1);
  });

  it('has its own NetworkPolicy selecting it, with both directions closed but for what it needs', () => {
    const np = kind(collector, 'NetworkPolicy')[0];
    expect(np.spec.podSelector.matchLabels).toEqual(kind(collector, 'Deployment')[0].spec.selector.matchLabels);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress.flatMap((r: Obj) => r.ports.map((p: Obj) => p.port))).toEqual([9464]);
  });
});

describe('deploy/central', () => {
  it('runs several `serve` replicas on the PostgreSQL URL from a Secret, with collector tokens from a Secret', () => {
    const d = kind(central, 'Deployment')[0];
    expect(d.spec.replicas).toBeGreaterThan(1);
    const c = container(central);
    expect(c.args[0]).toBe('serve');
    const known = new Set(serveCommand().options.map((o) => o.long));
    expect(flagsOf(c).filter((f) => !known.has(f))).toEqual([]);
    expect(c.args[c.args.indexOf('--store') + 1]).toBe('$(NETATLAS_STORE)');
    expect(c.env.find((e: Obj) => e.name === 'NETATLAS_STORE').valueFrom.secretKeyRef).toEqual({ name: 'netatlas-postgres', key: 'url' });
    const tokens = c.args[c.args.indexOf('--collector-tokens-file') + 1] as string;
    const mount = c.volumeMounts.find((m: Obj) => tokens.startsWith(`${m.mountPath}/`));
    expect(d.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name).secret.secretName).toBe('netatlas-collectors');
  });
});
