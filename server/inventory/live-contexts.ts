/**
 * Which clusters the live inventory connects to: kubeconfig contexts chosen from the options,
 * each with its own fresh KubeConfig and a unique, valid cluster name. Kept apart from the
 * watching because it only reads kubeconfig files and never talks to an API server.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { isValidClusterName } from '../../generator/model/index.ts';
import type { LiveInventoryOptions } from './live-types.ts';

/** A selected context: its own KubeConfig, never shared. */
export interface ContextTarget {
  readonly cluster: string;
  readonly context: string;
  readonly kubeconfig?: string;
  readonly server?: string;
  readonly kc?: KubeConfig;
  /** Why the context cannot be used (unknown context, unreadable file). */
  readonly problem?: string;
}

/** Turns a context name into a valid cluster name (EKS contexts are ARNs). */
export function clusterNameForContext(context: string): string {
  if (isValidClusterName(context)) return context;
  const cleaned = context.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned === '' ? 'cluster' : cleaned.slice(-253);
}

/**
 * One fresh KubeConfig per selected context, with only that context (and its cluster and
 * user) loaded and set current.
 */
export function selectContexts(opts: Pick<LiveInventoryOptions, 'kubeconfigs' | 'contexts' | 'allContexts'>): ContextTarget[] {
  const files = opts.kubeconfigs && opts.kubeconfigs.length > 0 ? [...opts.kubeconfigs] : [undefined];
  const loaded: { file?: string; kc?: KubeConfig; problem?: string }[] = files.map((file) => {
    const kc = new KubeConfig();
    try {
      if (file) kc.loadFromFile(file);
      else {
        kc.loadFromDefault();
        // client-node's last resort when nothing is configured: an unauthenticated localhost:8080.
        if (kc.getCurrentCluster()?.server === 'http://localhost:8080' && kc.getCurrentUser()?.name === 'user') {
          return { file, problem: 'no kubeconfig found ($KUBECONFIG unset, ~/.kube/config missing, not in a pod): pass --kubeconfig FILE' };
        }
      }
      return { file, kc };
    } catch (error) {
      return { file, problem: `cannot load kubeconfig ${file ?? '(default)'}: ${(error as Error).message}` };
    }
  });
  const targets: ContextTarget[] = [];
  const seen = new Set<string>();
  const add = (file: string | undefined, base: KubeConfig, context: string) => {
    if (seen.has(context)) return; // the same context in two files: the first file wins
    seen.add(context);
    // Two contexts must never share a cluster name (their objects would mix).
    let cluster = clusterNameForContext(context);
    for (let n = 2; targets.some((t) => t.cluster === cluster); n++) cluster = `${clusterNameForContext(context)}-${n}`;
    const ctx = base.getContextObject(context)!;
    const clusterObj = base.getCluster(ctx.cluster);
    const user = base.getUser(ctx.user);
    if (!clusterObj) {
      targets.push({ cluster, context, ...(file ? { kubeconfig: file } : {}), problem: `context ${context} names cluster ${ctx.cluster}, which the kubeconfig does not define` });
      return;
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [clusterObj], users: user ? [user] : [], contexts: [ctx], currentContext: context });
    targets.push({ cluster, context, ...(file ? { kubeconfig: file } : {}), server: clusterObj.server, kc });
  };
  for (const l of loaded) {
    if (l.problem) targets.push({ cluster: clusterNameForContext(l.file ?? 'default'), context: '', ...(l.file ? { kubeconfig: l.file } : {}), problem: l.problem });
  }
  const usable = loaded.filter((l): l is { file?: string; kc: KubeConfig } => l.kc !== undefined);
  if (opts.contexts && opts.contexts.length > 0) {
    for (const name of opts.contexts) {
      const home = usable.find((l) => l.kc.getContextObject(name));
      if (home) add(home.file, home.kc, name);
      else if (!seen.has(name)) {
        seen.add(name);
        targets.push({ cluster: clusterNameForContext(name), context: name, problem: `context ${name} is not in ${files.map((f) => f ?? '(default kubeconfig)').join(', ')}` });
      }
    }
  } else {
    for (const l of usable) {
      const names = opts.allContexts ? l.kc.getContexts().map((c) => c.name) : [l.kc.getCurrentContext()].filter((n) => n);
      for (const name of names) add(l.file, l.kc, name);
    }
  }
  return targets;
}
