/** Inventory folders holding entry objects, for CLI tests that read them with `--inventory`. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A folder with prod/ingress.yaml: an Ingress in front of the demo's prod/monitoring/prometheus
 * Service (port 9090), with no published address (so counted as public). Returns the folder.
 */
export function prometheusIngressInventory(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'netatlas-ingress-'));
  mkdirSync(path.join(dir, 'prod'));
  writeFileSync(path.join(dir, 'prod', 'ingress.yaml'), [
    'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata: {name: prometheus, namespace: monitoring}',
    'spec:', '  rules:', '  - host: metrics.example.com', '    http:', '      paths:', '      - {path: /, pathType: Prefix, backend: {service: {name: prometheus, port: {number: 9090}}}}', '',
  ].join('\n'));
  return dir;
}
