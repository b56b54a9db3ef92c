/**
 * GET /api/v1/risk through the real server on the demo: the ranking, the path to the finance
 * ledger with each hop's evidence, its cut as YAML, and parameter validation.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { useDemoServer } from './demo-server.ts';
import type { RiskResult } from '../../../generator/risk/index.ts';

const server = useDemoServer();

describe('GET /api/v1/risk on the demo', () => {
  it('ranks the prod frontend first and answers the path to the ledger with its cut as YAML', async () => {
    const body = (await request(server().server).get('/api/v1/risk').expect(200)).body as RiskResult;
    expect(body.workloads[0].workload).toBe('wl:prod/boutique/Deployment/frontend');
    expect(body.reports.attached.length).toBeGreaterThan(0);
    const path = body.paths[0];
    expect(path.target).toBe('wl:finance/payments/Deployment/ledger');
    expect(path.hops.map((h) => h.observed)).toEqual([true, false]);
    expect(path.cut.status).toBe('cut');
    expect(path.cut.changes[0].yaml).toMatch(/^---\napiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\n/);
  });

  it('carries on each workload the findings of GET /api/v1/findings that touch it, with their ids and titles', async () => {
    const body = (await request(server().server).get('/api/v1/risk').expect(200)).body as RiskResult;
    const { findings } = (await request(server().server).get('/api/v1/findings').expect(200)).body as { findings: { id: string; message: string; subjects: string[] }[] };
    const byId = new Map(findings.map((f) => [f.id, f]));
    const frontend = body.workloads[0];
    expect(frontend.findings!.length).toBeGreaterThan(0);
    for (const f of frontend.findings!) expect(byId.get(f.id)!.message).toBe(f.title);
    // Every finding whose subject is a workload shows up on that workload.
    for (const f of findings.filter((x) => x.subjects[0].startsWith('wl:'))) {
      expect(body.workloads.find((w) => w.workload === f.subjects[0])?.findings?.map((x) => x.id)).toContain(f.id);
    }
  });

  it('takes crown jewels and entries as repeatable selectors', async () => {
    const body = (await request(server().server).get('/api/v1/risk?crownJewels=app%3Dpostgres&entries=cluster%3Dprod%2Cname%3Dcheckoutservice&maxPaths=3').expect(200)).body as RiskResult;
    expect(body.crownJewels).toContain('wl:finance/payments/StatefulSet/postgres');
    expect(body.entries).toEqual(['wl:prod/boutique/Deployment/checkoutservice']);
    expect(body.paths.length).toBeLessThanOrEqual(3);
  });

  it.each([
    ['/api/v1/risk?severity=high', /unknown parameter "severity"/],
    ['/api/v1/risk?maxHops=99', /"maxHops" must be a whole number from 1 to 12/],
    ['/api/v1/risk?crownJewels=app%20in%20(a)', /"crownJewels": .*cannot read/],
    ['/api/v1/risk?ipBlockMatchesPods=yes', /"ipBlockMatchesPods" must be true or false/],
  ])('answers 400 naming the parameter for %s', async (url, message) => {
    const res = await request(server().server).get(url).expect(400);
    expect(res.body.error).toMatch(message);
  });
});
