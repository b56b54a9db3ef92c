/** GET /healthz, /readyz, /metrics (Prometheus text exposition format 0.0.4). */
import { Router } from 'express';
import type { HealthResponse, ReadyResponse } from '../api-types.ts';
import type { AppState } from '../../state/app-state.ts';
import type { IdentityHeld, InventoryHeld } from '../../graph/identity.ts';

export interface HealthOptions {
  /** Extra reasons the server is not ready (e.g. the initial load still running). */
  readonly notReady?: () => string[];
  readonly sseClients?: () => number;
  /** Clients dropped for leaving too much unread (routes/events.ts SseWriter). */
  readonly sseDropped?: () => number;
}

/** Escapes a Prometheus label value. */
function lv(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * `<prefix>_identities_held{kind=...}` and `<prefix>_identities_dropped_total`: what identity
 * resolution holds of what flows taught it, each kind bounded by its IdentityLimits cap.
 */
export function identityMetricLines(prefix: string, held: IdentityHeld): string[] {
  const kinds: Array<[string, number]> = [
    ['flow_pods', held.flowPods], ['flow_workloads', held.flowWorkloads], ['label_sets', held.labelSets],
    ['cilium_identities', held.ciliumIdentities], ['dns_addresses', held.dnsAddresses],
  ];
  return [
    `# HELP ${prefix}_identities_held What flows taught identity resolution, held (bounded, recently used first).`,
    `# TYPE ${prefix}_identities_held gauge`,
    ...kinds.map(([kind, n]) => `${prefix}_identities_held{kind="${kind}"} ${n}`),
    `# HELP ${prefix}_identities_dropped_total Flow-learnt identities dropped to stay within the limits (least recently used).`,
    `# TYPE ${prefix}_identities_dropped_total counter`,
    `${prefix}_identities_dropped_total ${held.evicted}`,
  ];
}

/**
 * `<prefix>_inventory_pods_held`, `<prefix>_deleted_held` and `<prefix>_deleted_dropped_total`:
 * the pods identity resolution holds from inventories (alive, and deleted within the grace), the
 * pods and workloads deleted and still held, and those dropped past their grace.
 */
export function inventoryMetricLines(prefix: string, held: InventoryHeld): string[] {
  return [
    `# HELP ${prefix}_inventory_pods_held Inventory pods identity resolution holds (alive, and deleted within the grace).`,
    `# TYPE ${prefix}_inventory_pods_held gauge`,
    `${prefix}_inventory_pods_held ${held.pods}`,
    `# HELP ${prefix}_deleted_held Pods and workloads the inventory deleted, still resolving (within the grace).`,
    `# TYPE ${prefix}_deleted_held gauge`,
    `${prefix}_deleted_held ${held.deleted}`,
    `# HELP ${prefix}_deleted_dropped_total Deleted pods and workloads dropped from identity resolution past their grace.`,
    `# TYPE ${prefix}_deleted_dropped_total counter`,
    `${prefix}_deleted_dropped_total ${held.deletedDropped}`,
  ];
}

export function metricsText(state: AppState, sseClients = 0, sseDropped = 0): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
  };
  const sources = state.publicSourceStatuses();
  metric('netatlas_flows_ingested_total', 'counter', 'Flow records (or inventory objects) received per source.',
    sources.map((s) => [`{source="${lv(s.id)}",kind="${s.kind}"}`, s.records]));
  metric('netatlas_ingest_errors_total', 'counter', 'Malformed or failed items per source.',
    sources.map((s) => [`{source="${lv(s.id)}",kind="${s.kind}"}`, s.errors]));
  metric('netatlas_source_up', 'gauge', '1 when the source is connected or fully read.',
    sources.map((s) => [`{source="${lv(s.id)}",state="${s.state}"}`, s.state === 'connected' || s.state === 'done' ? 1 : 0]));
  metric('netatlas_source_last_event_seconds', 'gauge', 'Time of the last event per source (unix seconds).',
    sources.filter((s) => s.lastEventTime).map((s) => [`{source="${lv(s.id)}"}`, s.lastEventTime! / 1000]));
  metric('netatlas_ingest_rate_flows_per_second', 'gauge', 'Flows ingested per second over the last 10 s.', [['', state.ingestRate()]]);
  metric('netatlas_graph_nodes', 'gauge', 'Nodes in the graph.', [['', state.graph.order]]);
  metric('netatlas_graph_edges', 'gauge', 'Aggregated edges in the graph (workload and pod level).', [['', state.graph.size]]);
  metric('netatlas_store_flushes_total', 'counter', 'Batches written to the store.', [['', state.flushes]]);
  metric('netatlas_store_errors_total', 'counter', 'Store writes that failed.', [['', state.storeErrors]]);
  metric('netatlas_delta_seq', 'gauge', 'Sequence number of the latest graph delta.', [['', state.seq]]);
  metric('netatlas_sse_clients', 'gauge', 'Connected Server-Sent Events clients.', [['', sseClients]]);
  metric('netatlas_sse_dropped_total', 'counter', 'Server-Sent Events clients dropped for leaving too much unread.', [['', sseDropped]]);
  const held = state.identitiesHeld();
  if (held) lines.push(...identityMetricLines('netatlas', held));
  const inventory = state.inventoryHeld();
  if (inventory) lines.push(...inventoryMetricLines('netatlas', inventory));
  return lines.join('\n') + '\n';
}

export function healthRoutes(state: AppState, options: HealthOptions = {}): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    const body: HealthResponse = { status: 'ok', uptimeSeconds: Math.round((state.now() - state.startedAt) / 1000) };
    res.json(body);
  });
  r.get('/readyz', (_req, res) => {
    const reasons = [...(options.notReady?.() ?? [])];
    if (state.store && !state.store.isOpen) reasons.push('the store is closed');
    for (const s of state.publicSourceStatuses()) if (s.state === 'starting') reasons.push(`source ${s.id} has not answered yet`);
    const body: ReadyResponse = { ready: reasons.length === 0, reasons };
    res.status(body.ready ? 200 : 503).json(body);
  });
  r.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(metricsText(state, options.sseClients?.() ?? 0, options.sseDropped?.() ?? 0));
  });
  return r;
}
