/**
 * The generic flow format (docs/flow-format.md), so any other source can be piped in:
 * JSONL objects or CSV rows (header line first) with the columns
 *   source, destination, protocol, port, verdict, count, time
 * where source and destination are each an IP address, `cluster/namespace/pod`, `namespace/pod`
 * (cluster from --cluster), `cluster/namespace/Kind/name` (a workload, e.g. Deployment), or
 * `reserved:<identity>` (`reserved:world`). Every row is one request-direction record; `count`
 * says how many connections it stands for (default 1), so rows are never de-duplicated.
 */
import ipaddr from 'ipaddr.js';
import type { FlowEndpoint, FlowRecord, L4Protocol, Verdict } from '../../generator/model/flow.ts';
import { RESERVED_IDENTITIES, WORKLOAD_KINDS, type ReservedIdentity, type WorkloadKind } from '../../generator/model/keys.ts';
import { emit, reportMalformed, type FlowParseState } from './state.ts';
import { toEpochMs } from './time.ts';

export const GENERIC_COLUMNS = ['source', 'destination', 'protocol', 'port', 'verdict', 'count', 'time'] as const;

const ALIASES: Record<string, string> = {
  src: 'source', from: 'source', dst: 'destination', dest: 'destination', to: 'destination',
  proto: 'protocol', dport: 'port', destination_port: 'port', action: 'verdict', timestamp: 'time',
};

/** True when a parsed JSON object has string `source` and `destination` (or `src` / `dst`). */
export function isGenericObject(obj: unknown): boolean {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return false;
  const o = normalizeColumns(obj as Record<string, unknown>);
  return typeof o.source === 'string' && typeof o.destination === 'string';
}

/** True when a CSV header names at least a source and a destination column. */
export function isGenericCsvHeader(line: string): boolean {
  const cols = splitCsv(line).map(columnName);
  return cols.includes('source') && cols.includes('destination');
}

function columnName(c: string): string {
  const k = c.trim().toLowerCase();
  return ALIASES[k] ?? k;
}

function normalizeColumns(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const name = columnName(k);
    if (!(name in out)) out[name] = v;
  }
  return out;
}

export function genericRecordFrom(obj: unknown, state: FlowParseState, out: FlowRecord[]): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    reportMalformed(state, 'expected a JSON object with "source" and "destination"');
    return;
  }
  genericRow(normalizeColumns(obj as Record<string, unknown>), state, out);
}

/** One CSV line: the first one read is the header. */
export function parseGenericCsvLine(line: string, state: FlowParseState, out: FlowRecord[]): void {
  const cells = splitCsv(line);
  if (!state.csvColumns) {
    state.csvColumns = cells.map(columnName);
    if (!state.csvColumns.includes('source') || !state.csvColumns.includes('destination')) {
      reportMalformed(state, `CSV header must name the columns ${GENERIC_COLUMNS.join(',')} (at least source and destination)`);
      state.csvColumns = undefined;
    }
    return;
  }
  if (cells.length !== state.csvColumns.length) {
    reportMalformed(state, `expected ${state.csvColumns.length} CSV fields (${state.csvColumns.join(',')}), found ${cells.length}`);
    return;
  }
  const row: Record<string, unknown> = {};
  state.csvColumns.forEach((c, i) => {
    if (cells[i] !== '') row[c] = cells[i];
  });
  genericRow(row, state, out);
}

/**
 * A cell as a number or text. Only numbers and strings are converted: an object (one without a
 * prototype, say) would make Number() and String() throw, and it is malformed anyway.
 */
const numeric = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function genericRow(row: Record<string, unknown>, state: FlowParseState, out: FlowRecord[]): void {
  const source = parseEndpointSpec(row.source, state.cluster);
  if (typeof source === 'string') return reportMalformed(state, `source ${source}`);
  const destination = parseEndpointSpec(row.destination, state.cluster);
  if (typeof destination === 'string') return reportMalformed(state, `destination ${destination}`);
  const protocol = parseProtocol(row.protocol);
  if (!protocol) return reportMalformed(state, `protocol ${JSON.stringify(row.protocol)} is not one of TCP, UDP, SCTP, ICMPv4, ICMPv6`);
  let port: number | undefined;
  if (row.port !== undefined && row.port !== null && row.port !== '') {
    port = numeric(row.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return reportMalformed(state, `port ${JSON.stringify(row.port)} is not a number between 0 and 65535`);
  }
  const verdict = parseVerdict(row.verdict);
  if (!verdict) return reportMalformed(state, `verdict ${JSON.stringify(row.verdict)} is not one of FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR (or allow/deny)`);
  let count = 1;
  if (row.count !== undefined && row.count !== null && row.count !== '') {
    count = numeric(row.count);
    if (!Number.isInteger(count) || count < 1) return reportMalformed(state, `count ${JSON.stringify(row.count)} is not a positive whole number`);
  }
  let time = state.now();
  if (row.time !== undefined && row.time !== null && row.time !== '') {
    const t = toEpochMs(row.time);
    if (t === undefined) return reportMalformed(state, `time ${JSON.stringify(row.time)} is neither RFC3339 nor epoch seconds/ms`);
    time = t;
  }
  emit(state, out, {
    time,
    source,
    destination: port !== undefined ? { ...destination, port } : destination,
    protocol,
    ...(port !== undefined ? { port } : {}),
    verdict,
    count,
    origin: { file: state.file, line: state.line },
  });
}

const RESERVED = new Set<string>(RESERVED_IDENTITIES);
const KINDS = new Set<string>(WORKLOAD_KINDS);

/** Parses `10.0.0.1`, `cluster/ns/pod`, `ns/pod`, `cluster/ns/Kind/name`, `reserved:world`; a string is an error. */
export function parseEndpointSpec(v: unknown, defaultCluster: string | undefined): FlowEndpoint | string {
  if (typeof v !== 'string' || v.trim() === '') return 'is missing: expected an IP, cluster/namespace/pod or namespace/pod';
  const s = v.trim();
  if (ipaddr.isValid(s)) return { ip: ipaddr.process(s).toString() };
  if (s.startsWith('reserved:')) {
    const id = s.slice(9);
    if (RESERVED.has(id)) return { reserved: id as ReservedIdentity, ...(defaultCluster ? { cluster: defaultCluster } : {}) };
    return `${JSON.stringify(s)} names no reserved identity (${RESERVED_IDENTITIES.join(', ')})`;
  }
  const parts = s.split('/');
  if (parts.some((p) => p === '')) return `${JSON.stringify(s)} has an empty part: expected cluster/namespace/pod`;
  if (parts.length === 3) return { cluster: parts[0], namespace: parts[1], podName: parts[2] };
  if (parts.length === 2) return { ...(defaultCluster ? { cluster: defaultCluster } : {}), namespace: parts[0], podName: parts[1] };
  if (parts.length === 4 && KINDS.has(parts[2])) {
    return { cluster: parts[0], namespace: parts[1], workloads: [{ kind: parts[2] as WorkloadKind, name: parts[3] }] };
  }
  return `${JSON.stringify(s)} is neither an IP address nor cluster/namespace/pod (or cluster/namespace/Kind/name)`;
}

function parseProtocol(v: unknown): L4Protocol | undefined {
  if (v === undefined || v === null || v === '') return 'TCP';
  switch (text(v).toLowerCase()) {
    case 'tcp':
    case '6':
      return 'TCP';
    case 'udp':
    case '17':
      return 'UDP';
    case 'sctp':
    case '132':
      return 'SCTP';
    case 'icmp':
    case 'icmpv4':
    case '1':
      return 'ICMPv4';
    case 'icmpv6':
    case '58':
      return 'ICMPv6';
    default:
      return undefined;
  }
}

function parseVerdict(v: unknown): Verdict | undefined {
  if (v === undefined || v === null || v === '') return 'FORWARDED';
  switch (text(v).toLowerCase()) {
    case 'forwarded':
    case 'allow':
    case 'allowed':
    case 'accept':
    case 'accepted':
      return 'FORWARDED';
    case 'dropped':
    case 'drop':
    case 'deny':
    case 'denied':
    case 'reject':
    case 'rejected':
      return 'DROPPED';
    case 'audit':
      return 'AUDIT';
    case 'redirected':
      return 'REDIRECTED';
    case 'error':
      return 'ERROR';
    case 'traced':
      return 'TRACED';
    case 'translated':
      return 'TRANSLATED';
    case 'unknown':
      return 'UNKNOWN';
    default:
      return undefined;
  }
}

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes). */
export function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let cell = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          cell += line.slice(i);
          i = line.length;
          break;
        }
        cell += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(cell);
      const comma = line.indexOf(',', i);
      if (comma < 0) break;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        cells.push(line.slice(i).trim());
        break;
      }
      cells.push(line.slice(i, comma).trim());
      i = comma + 1;
    }
  }
  return cells;
}
