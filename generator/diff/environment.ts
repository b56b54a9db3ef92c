/**
 * Environments of clusters and namespaces, from labels (`environment`, `env`) or name tokens
 * (`dev`, `staging-eu`, `prod-4`): lower environments (dev/test/staging) and sensitive ones
 * (prod/finance). The namespace says first; the cluster otherwise.
 */
import type { Labels } from '../model/labels.ts';
import type { EnvironmentOptions } from './types.ts';

export type Tier = 'lower' | 'sensitive';

export const DEFAULT_ENVIRONMENTS: Required<EnvironmentOptions> = {
  lower: ['dev', 'development', 'test', 'testing', 'qa', 'staging', 'stage', 'sandbox', 'preview', 'uat'],
  sensitive: ['prod', 'production', 'prd', 'live', 'finance', 'pci', 'billing', 'payments'],
  labelKeys: ['environment', 'env', 'netatlas.io/environment'],
};

export interface EnvironmentOf {
  readonly tier?: Tier;
  /** What said so: `cluster dev`, `namespace payments`, `label env=prod on namespace shop`. */
  readonly via?: string;
}

export function resolveEnvironments(o: EnvironmentOptions = {}): Required<EnvironmentOptions> {
  return {
    lower: o.lower ?? DEFAULT_ENVIRONMENTS.lower,
    sensitive: o.sensitive ?? DEFAULT_ENVIRONMENTS.sensitive,
    labelKeys: o.labelKeys ?? DEFAULT_ENVIRONMENTS.labelKeys,
  };
}

function tierOfWord(word: string, env: Required<EnvironmentOptions>): Tier | undefined {
  const tokens = word.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  if (tokens.some((t) => env.lower.includes(t))) return 'lower';
  if (tokens.some((t) => env.sensitive.includes(t))) return 'sensitive';
  return undefined;
}

function fromObject(what: string, name: string, labels: Labels | undefined, env: Required<EnvironmentOptions>): EnvironmentOf | undefined {
  for (const k of env.labelKeys) {
    const v = labels?.[k];
    if (v === undefined) continue;
    const tier = tierOfWord(v, env);
    if (tier) return { tier, via: `label ${k}=${v} on ${what} ${name}` };
  }
  const tier = tierOfWord(name, env);
  return tier ? { tier, via: `${what} ${name}` } : undefined;
}

export function environmentOf(
  env: Required<EnvironmentOptions>,
  cluster: { name: string; labels?: Labels } | undefined,
  namespace?: { name: string; labels?: Labels },
): EnvironmentOf {
  if (namespace) {
    const n = fromObject('namespace', namespace.name, namespace.labels, env);
    if (n) return n;
  }
  if (cluster) {
    const c = fromObject('cluster', cluster.name, cluster.labels, env);
    if (c) return c;
  }
  return {};
}
