/**
 * trivy-operator reports for a few demo workloads, in the shape the operator writes them
 * (aquasecurity.github.io/v1alpha1, as in ../shared/data/trivy-operator): one
 * VulnerabilityReport per container and one ConfigAuditReport per ReplicaSet or bare Pod,
 * labelled `trivy-operator.resource.*` and owned by what they scanned; one ExposedSecretReport
 * where a secret was baked into the image.
 *
 * The findings are illustrative: real CVE ids of the packages these images ship (Go's standard
 * library and x/ modules, Node.js and npm packages, Alpine and Debian packages), chosen so the
 * demo's risk ranking has something to rank, not a scan of the released images.
 */
import type { ClusterM, WorkloadM } from './estate.ts';

type Obj = Record<string, unknown>;
type Meta = (key: string, name: string, uid: string, namespace: string, extra: Obj) => Obj;

interface VulnM {
  readonly id: string;
  readonly pkg: string;
  readonly installed: string;
  readonly fixed?: string;
  readonly severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
  readonly score: number;
  readonly title: string;
}

const V = {
  // Go: standard library 1.22.1, golang.org/x/net 0.21.0, golang.org/x/crypto 0.21.0
  netip: { id: 'CVE-2024-24790', pkg: 'stdlib', installed: 'v1.22.1', fixed: '1.21.11, 1.22.4', severity: 'CRITICAL', score: 9.8, title: 'golang: net/netip: Unexpected behavior from Is methods for IPv4-mapped IPv6 addresses' },
  smuggling: { id: 'CVE-2025-22871', pkg: 'stdlib', installed: 'v1.22.1', fixed: '1.23.8, 1.24.2', severity: 'CRITICAL', score: 9.1, title: 'net/http: Request smuggling due to acceptance of invalid chunked data in net/http' },
  xcrypto: { id: 'CVE-2024-45337', pkg: 'golang.org/x/crypto', installed: 'v0.21.0', fixed: '0.31.0', severity: 'CRITICAL', score: 9.1, title: 'golang.org/x/crypto/ssh: Misuse of ServerConfig.PublicKeyCallback may cause authorization bypass' },
  http2: { id: 'CVE-2023-45288', pkg: 'golang.org/x/net', installed: 'v0.21.0', fixed: '0.23.0', severity: 'HIGH', score: 7.5, title: 'golang: net/http, x/net/http2: unlimited number of CONTINUATION frames causes DoS' },
  gob: { id: 'CVE-2024-34156', pkg: 'stdlib', installed: 'v1.22.1', fixed: '1.22.7, 1.23.1', severity: 'HIGH', score: 7.5, title: 'encoding/gob: golang: Calling Decoder.Decode on a message which contains deeply nested structures can cause a panic' },
  constraint: { id: 'CVE-2024-34158', pkg: 'stdlib', installed: 'v1.22.1', fixed: '1.22.7, 1.23.1', severity: 'HIGH', score: 7.5, title: 'go/build/constraint: golang: Calling Parse on a "// +build" build tag line with deeply nested expressions can cause a panic' },
  expect100: { id: 'CVE-2024-24791', pkg: 'stdlib', installed: 'v1.22.1', fixed: '1.21.12, 1.22.5', severity: 'HIGH', score: 7.5, title: 'net/http: Denial of service due to improper 100-continue handling in net/http' },
  sshDos: { id: 'CVE-2025-22869', pkg: 'golang.org/x/crypto', installed: 'v0.21.0', fixed: '0.35.0', severity: 'HIGH', score: 7.5, title: 'golang.org/x/crypto/ssh: Denial of Service in the Key Exchange of golang.org/x/crypto/ssh' },
  zip: { id: 'CVE-2024-24789', pkg: 'stdlib', installed: 'v1.22.1', fixed: '1.21.11, 1.22.4', severity: 'MEDIUM', score: 5.5, title: 'golang: archive/zip: Incorrect handling of certain ZIP files' },
  html: { id: 'CVE-2024-45338', pkg: 'golang.org/x/net', installed: 'v0.21.0', fixed: '0.33.0', severity: 'MEDIUM', score: 5.3, title: 'golang.org/x/net/html: Non-linear parsing of case-insensitive content in golang.org/x/net/html' },
  // Node.js 20.10.0 and npm packages
  nodeHttp2: { id: 'CVE-2024-27983', pkg: 'node', installed: '20.10.0', fixed: '20.12.1', severity: 'HIGH', score: 8.2, title: 'nodejs: Assertion failed in node::http2::Http2Session::~Http2Session() leads to HTTP/2 server crash' },
  crossSpawn: { id: 'CVE-2024-21538', pkg: 'cross-spawn', installed: '7.0.3', fixed: '7.0.5, 6.0.6', severity: 'HIGH', score: 7.5, title: 'cross-spawn: regular expression denial of service' },
  minizip: { id: 'CVE-2023-45853', pkg: 'zlib1g', installed: '1:1.2.13.dfsg-1', severity: 'CRITICAL', score: 9.8, title: 'zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6' },
  // Alpine packages
  libssl: { id: 'CVE-2024-5535', pkg: 'libssl3', installed: '3.1.4-r5', fixed: '3.1.6-r0', severity: 'CRITICAL', score: 9.1, title: 'openssl: SSL_select_next_proto buffer overread' },
  regresshion: { id: 'CVE-2024-6387', pkg: 'openssh-client-default', installed: '9.6_p1-r0', fixed: '9.6_p1-r1', severity: 'HIGH', score: 8.1, title: 'openssh: regreSSHion - race condition in ssh\'s privsep child' },
  curlPush: { id: 'CVE-2024-2398', pkg: 'curl', installed: '8.5.0-r0', fixed: '8.7.1-r0', severity: 'HIGH', score: 8.6, title: 'curl: HTTP/2 push headers memory-leak' },
  // Redis 7.2.4
  luaBit: { id: 'CVE-2024-31449', pkg: 'redis', installed: '7.2.4', fixed: '7.2.6', severity: 'HIGH', score: 8.8, title: 'redis: Lua bit library stack overflow' },
  luaGc: { id: 'CVE-2024-46981', pkg: 'redis', installed: '7.2.4', fixed: '7.2.7', severity: 'HIGH', score: 7.0, title: 'redis: Lua library commands may lead to remote code execution' },
  outputBuffer: { id: 'CVE-2025-21605', pkg: 'redis', installed: '7.2.4', fixed: '7.2.8', severity: 'HIGH', score: 7.5, title: 'redis: Unauthenticated client can cause unlimited growth of output buffers' },
} satisfies Record<string, VulnM>;

interface ScanM {
  readonly cluster: ClusterM['role'];
  readonly namespace: string;
  readonly workload: string;
  readonly vulns: readonly VulnM[];
  readonly failedChecks: readonly [string, 'LOW' | 'MEDIUM' | 'HIGH', string][];
  readonly secrets?: readonly [string, string, string][];
}

const ROOT_FS: [string, 'LOW', string] = ['KSV014', 'LOW', 'Root file system is not read-only'];
const SECCOMP: [string, 'LOW', string] = ['KSV030', 'LOW', 'Default Seccomp profile not set'];
const RUN_AS_ROOT: [string, 'MEDIUM', string] = ['KSV012', 'MEDIUM', 'Runs as root user'];

/** The scanned workloads of the first copy of each application namespace. */
const GO_SERVICE: readonly VulnM[] = [V.netip, V.smuggling, V.xcrypto, V.http2, V.gob, V.constraint, V.expect100, V.sshDos, V.zip, V.html];

/**
 * The scanned workloads (first copy of each application namespace): the internet-facing prod
 * frontend and its dev twin, the finance ledger, the privileged dev debug shell with an AWS key
 * baked in, dev's Redis, and prod's paymentservice (vulnerable, but its policies let only
 * checkoutservice in).
 */
export const DEMO_SCANS: readonly ScanM[] = [
  { cluster: 'prod', namespace: 'boutique', workload: 'frontend', vulns: GO_SERVICE, failedChecks: [ROOT_FS, SECCOMP] },
  { cluster: 'prod', namespace: 'boutique', workload: 'paymentservice', vulns: [V.minizip, V.nodeHttp2, V.crossSpawn], failedChecks: [ROOT_FS, RUN_AS_ROOT] },
  { cluster: 'dev', namespace: 'boutique', workload: 'frontend', vulns: GO_SERVICE, failedChecks: [ROOT_FS, SECCOMP] },
  { cluster: 'dev', namespace: 'boutique', workload: 'redis-cart', vulns: [V.luaBit, V.luaGc, V.outputBuffer], failedChecks: [ROOT_FS, RUN_AS_ROOT] },
  {
    cluster: 'dev', namespace: 'boutique', workload: 'debug-shell', vulns: [V.libssl, V.regresshion, V.curlPush], failedChecks: [ROOT_FS, SECCOMP, RUN_AS_ROOT],
    secrets: [['aws-access-key-id', 'CRITICAL', 'root/.aws/credentials']],
  },
  { cluster: 'finance', namespace: 'payments', workload: 'ledger', vulns: [V.xcrypto, V.gob, V.expect100, V.sshDos, V.zip], failedChecks: [ROOT_FS] },
];

function summary(list: readonly { severity: string }[], withNone: boolean): Obj {
  const n = (s: string) => list.filter((v) => v.severity === s).length;
  return { criticalCount: n('CRITICAL'), highCount: n('HIGH'), lowCount: n('LOW'), mediumCount: n('MEDIUM'), ...(withNone ? { noneCount: 0, unknownCount: 0 } : {}) };
}

function imageParts(image: string): { server: string; repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  const [name, tag] = at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
  const first = name.split('/')[0];
  if (name.includes('/') && (first.includes('.') || first.includes(':'))) return { server: first, repository: name.slice(first.length + 1), tag };
  return { server: 'index.docker.io', repository: name.includes('/') ? name : `library/${name}`, tag };
}

/** The reports of one cluster: `kubectl get vulnerabilityreports,configauditreports,exposedsecretreports -A -o json` items. */
export function trivyReports(c: ClusterM, meta: Meta, uidOf: (key: string) => string, updated: string): Obj[] {
  const out: Obj[] = [];
  for (const scan of DEMO_SCANS.filter((s) => s.cluster === c.role)) {
    const w = c.workloads.find((x: WorkloadM) => x.namespace === scan.namespace && x.name === scan.workload);
    if (!w) continue;
    const [kind, name, uid, apiVersion] = w.kind === 'Deployment'
      ? ['ReplicaSet', `${w.name}-${w.hash}`, w.rsUid, 'apps/v1'] : ['Pod', w.pods[0].name, w.pods[0].uid, 'v1'];
    const owner = { apiVersion, blockOwnerDeletion: false, controller: true, kind, name, uid };
    const resource = { 'trivy-operator.resource.kind': kind, 'trivy-operator.resource.name': name, 'trivy-operator.resource.namespace': w.namespace };
    const scanner = { name: 'Trivy', vendor: 'Aqua Security', version: '0.57.1' };
    const base = (reportKind: string, reportName: string, labels: Obj): Obj => {
      const key = `${c.name}/${w.namespace}/${reportKind}/${reportName}`;
      return {
        apiVersion: 'aquasecurity.github.io/v1alpha1', kind: reportKind,
        metadata: meta(key, reportName, uidOf(key), w.namespace, {
          annotations: { 'trivy-operator.aquasecurity.github.io/report-ttl': '24h0m0s' }, generation: 1,
          labels: { 'resource-spec-hash': w.hash || 'bare', ...resource, ...labels }, ownerReferences: [owner],
        }),
      };
    };
    const container = w.containers[0];
    const img = imageParts(container.image);
    const artifact = { repository: img.repository, tag: img.tag };
    const prefix = `${kind.toLowerCase()}-${name}`;
    out.push({
      ...base('VulnerabilityReport', `${prefix}-${container.name}`, { 'trivy-operator.container.name': container.name }),
      report: {
        artifact, registry: { server: img.server }, scanner, summary: summary(scan.vulns, true), updateTimestamp: updated,
        vulnerabilities: scan.vulns.map((v) => ({
          ...(v.fixed ? { fixedVersion: v.fixed } : { fixedVersion: '' }), installedVersion: v.installed, links: [],
          primaryLink: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`, resource: v.pkg, score: v.score, severity: v.severity,
          target: '', title: v.title, vulnerabilityID: v.id,
        })),
      },
    });
    out.push({
      ...base('ConfigAuditReport', prefix, { 'plugin-config-hash': '659b7b9c46' }),
      report: {
        checks: scan.failedChecks.map(([checkID, severity, title]) => ({
          category: 'Kubernetes Security Check', checkID, description: title, messages: [`Container '${container.name}' of ${kind} '${name}': ${title}`], severity, success: false, title,
        })),
        scanner: { ...scanner, version: 'dev' }, summary: summary(scan.failedChecks.map(([, severity]) => ({ severity })), false), updateTimestamp: updated,
      },
    });
    if (scan.secrets?.length) {
      out.push({
        ...base('ExposedSecretReport', `${prefix}-${container.name}`, { 'trivy-operator.container.name': container.name }),
        report: {
          artifact, registry: { server: img.server }, scanner,
          // The operator writes the match with the secret masked; the demo keeps that shape.
          secrets: scan.secrets.map(([ruleID, severity, target]) => ({ category: 'AWS', match: 'aws_access_key_id = ********************', ruleID, severity, target, title: 'AWS Access Key ID' })),
          summary: summary(scan.secrets.map(([, severity]) => ({ severity })), false), updateTimestamp: updated,
        },
      });
    }
  }
  return out;
}
