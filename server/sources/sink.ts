/**
 * The sink that feeds the server's runtime state (AppState) and its store from a SourceManager:
 * records and inventories go to the state, positions are stored in the same transaction as the
 * edges they produced, and each source's status (one model: the manager's) is shown by the API.
 */
import type { FlowRecord, Inventory } from '../../generator/model/index.ts';
import type { SourceKind, SourceSink, SourceStatus } from './types.ts';

/** The part of the runtime state (server/state/app-state.ts AppState) that sources feed. */
export interface IngestTarget {
  registerSource(id: string, kind: SourceKind, cluster?: string): void;
  updateSource(id: string, patch: Partial<Omit<SourceStatus, 'id' | 'lastErrors'>> & { error?: string }): void;
  ingestFlows(id: string, records: Iterable<FlowRecord>, options?: { cluster?: string; offset?: Record<string, unknown> }): number;
  setOffset(id: string, position: Record<string, unknown>): void;
  setInventory(cluster: string, inventory: Inventory): void;
}

export interface PositionStore {
  getOffset(source: string): Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;
}

/**
 * The state counts the flow records it accepts (ingestFlows) itself; a status is passed on when
 * a source's state or reason changes, or, for a source that sends no flows (an inventory, a file
 * read by an earlier run), its record count: so /events does not carry the sources on every batch.
 */
export function stateSink(state: IngestTarget, store: PositionStore, log?: (line: string) => void): SourceSink {
  const failing = new Set<string>();
  const sendsFlows = new Set<string>();
  const shown = new Map<string, string>();
  return {
    flows(id, records, info) {
      if (records.length) sendsFlows.add(id);
      if (records.length) state.ingestFlows(id, records, { ...(info.cluster !== undefined ? { cluster: info.cluster } : {}), ...(info.position ? { offset: info.position } : {}) });
      else if (info.position) state.setOffset(id, info.position);
    },
    inventory(_id, cluster, inventory) {
      state.setInventory(cluster, inventory);
    },
    status(s) {
      const counted = !sendsFlows.has(s.id);
      const seen = JSON.stringify([s.state, s.reason ?? '', counted ? s.records : -1]);
      if (shown.get(s.id) === seen) return;
      shown.set(s.id, seen);
      state.registerSource(s.id, s.kind, s.cluster);
      state.updateSource(s.id, {
        state: s.state, reason: s.reason,
        ...(counted ? { records: s.records } : {}),
        ...(s.lastEventTime !== undefined ? { lastEventTime: s.lastEventTime } : {}),
      });
      // Said once when a source turns to error (its errors are in its status, not the log).
      if (s.state === 'error' && !failing.has(s.id)) {
        failing.add(s.id);
        log?.(`netatlas: ${s.id}: ${s.reason ?? 'failed'}`);
      } else if (s.state !== 'error') failing.delete(s.id);
    },
    error(id, message) {
      state.updateSource(id, { error: message });
    },
    async position(id) {
      return (await store.getOffset(id)) ?? undefined;
    },
  };
}
