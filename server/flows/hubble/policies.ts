/**
 * The policy a Hubble flow names as deciding its verdict, in the text the Calico reader gives its
 * policy hits (`namespace/Kind/name`, `Kind/name` when cluster-scoped), so the edge explanation
 * reads both sources the same way (server/http/policy-hits.ts).
 *
 * Cilium correlates policy-verdict events with the rules that matched (Cilium 1.15+, Hubble's
 * `egress_allowed_by`, `ingress_allowed_by`, `egress_denied_by`, `ingress_denied_by`: lists of
 * `{name, namespace, labels, revision, kind}`). A FORWARDED or REDIRECTED flow is decided by an
 * allowed_by list, a DROPPED one by a denied_by list; the flow's traffic_direction picks egress or
 * ingress, and when that list is empty (or the direction unknown) the other one of the same
 * verdict is read. AUDIT flows list the policy that would have denied them while the packet went
 * through: neither an allow nor a deny, so no policy is named for them.
 *
 * The first entry with a valid name decides. An entry whose name is not a Kubernetes object name,
 * whose namespace is not a namespace name or whose kind is not a kind is counted as ignored and
 * skipped (a hostile name never reaches the store); an entry without a name (Cilium's implicit
 * rules, such as the host's own ingress) names no policy and is skipped silently.
 */
import { dns1123LabelProblem, dns1123SubdomainProblem, quoted } from '../../../generator/model/validate.ts';
import { reportIgnored, type FlowParseState } from '../state.ts';
import { isObject, type FlowFields } from './fields.ts';

/** `io.cilium.k8s.policy.derived-from`: the policy's kind, on Cilium versions whose Policy has no `kind`. */
const DERIVED_FROM = 'k8s:io.cilium.k8s.policy.derived-from=';
/** A Kubernetes kind as Cilium names policy resources (CiliumNetworkPolicy, NetworkPolicy, ...). */
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

/** Whether the flow carries any of the four lists (the only flows `decidingHubblePolicy` reads). */
export function hasPolicyLists(f: FlowFields): boolean {
  return f.egressAllowedBy !== undefined || f.ingressAllowedBy !== undefined || f.egressDeniedBy !== undefined || f.ingressDeniedBy !== undefined;
}

/** The policy that decided the flow's verdict, as `namespace/Kind/name` or `Kind/name`; undefined when none is named. */
export function decidingHubblePolicy(f: FlowFields, state: FlowParseState): string | undefined {
  const allowed = f.verdict === 'FORWARDED' || f.verdict === 'REDIRECTED';
  if (!allowed && f.verdict !== 'DROPPED') return undefined;
  const egress = allowed ? f.egressAllowedBy : f.egressDeniedBy;
  const ingress = allowed ? f.ingressAllowedBy : f.ingressDeniedBy;
  const what = allowed ? 'allowed_by' : 'denied_by';
  return f.direction === 'INGRESS'
    ? firstValid(ingress, 'ingress', what, state) ?? firstValid(egress, 'egress', what, state)
    : firstValid(egress, 'egress', what, state) ?? firstValid(ingress, 'ingress', what, state);
}

/** One Policy entry read: its text, or what is wrong with it. */
type Entry = { readonly text: string; readonly problem?: undefined } | { readonly text?: undefined; readonly problem: string };

/**
 * Lists read before in which no entry was ignored, with the text they gave (null for none): the
 * byte decoder shares a cached run's lists between the records of its lines, so each is read once.
 */
const cleanLists = new WeakMap<readonly unknown[], string | null>();

/** The text of the first entry of `list` with a valid name; invalid entries before it are counted, in one message. */
function firstValid(list: unknown, direction: 'egress' | 'ingress', what: string, state: FlowParseState): string | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    reportIgnored(state, `Hubble flow's ${direction}_${what} is not a list of policies: the flow is kept without a deciding policy`);
    return undefined;
  }
  const known = cleanLists.get(list);
  if (known !== undefined) return known ?? undefined;
  let ignored = 0;
  let first = '';
  let text: string | undefined;
  for (let i = 0; i < list.length && text === undefined; i++) {
    const entry: unknown = list[i];
    const read = isObject(entry) ? readEntry(entry) : { problem: 'is not a policy object' };
    if (read === undefined) continue;
    if (read.text !== undefined) text = read.text;
    else if (ignored++ === 0) first = `[${i}] ${read.problem}`;
  }
  if (ignored === 0) cleanLists.set(list, text ?? null);
  // One message per list, however many entries it ignores (a hostile list must not flood the log).
  else reportIgnored(state, `Hubble flow's ${direction}_${what}${first}${ignored > 1 ? ` (and ${ignored - 1} more entries)` : ''}: ignored, the flow kept`, ignored);
  return text;
}

/** `namespace/Kind/name` of one Policy entry, or its problem; undefined when it has no name. */
function readEntry(p: Record<string, unknown>): Entry | undefined {
  const { name, namespace } = p;
  if (name === undefined || name === null || name === '') return undefined;
  if (typeof name !== 'string') return { problem: 'has a name that is not a string' };
  const nameProblem = dns1123SubdomainProblem(name);
  if (nameProblem !== undefined) return { problem: `name ${nameProblem}` };
  const scoped = namespace !== undefined && namespace !== null && namespace !== '';
  if (scoped) {
    if (typeof namespace !== 'string') return { problem: 'has a namespace that is not a string' };
    const problem = dns1123LabelProblem(namespace);
    if (problem !== undefined) return { problem: `namespace ${problem}` };
  }
  const kind = kindOf(p);
  if (kind !== undefined && !KIND.test(kind)) return { problem: `kind ${quoted(kind)} is not a Kubernetes kind (CiliumNetworkPolicy, NetworkPolicy, ...)` };
  return { text: [scoped ? namespace : undefined, kind, name].filter((x) => x !== undefined).join('/') };
}

/** The entry's `kind`, else the kind its `derived-from` label names (older Cilium), else undefined. */
function kindOf(p: Record<string, unknown>): string | undefined {
  if (p.kind !== undefined && p.kind !== null && p.kind !== '') return typeof p.kind === 'string' ? p.kind : JSON.stringify(p.kind);
  if (!Array.isArray(p.labels)) return undefined;
  for (const label of p.labels) {
    if (typeof label === 'string' && label.startsWith(DERIVED_FROM)) {
      const kind = label.slice(DERIVED_FROM.length);
      return KIND.test(kind) ? kind : undefined;
    }
  }
  return undefined;
}
