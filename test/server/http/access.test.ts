/**
 * Who may talk to a real server (startServer on 127.0.0.1, port 0): a token-less server answers
 * only loopback Host names (DNS rebinding), and a token server accepts the Bearer header or the
 * session cookie POST /session hands out, on the API and /events alike.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../../server/http/serve.ts';
import type { RunningServer } from '../../../server/http/serve.ts';
import { secretMatches, sessionValue, SESSION_COOKIE } from '../../../server/http/security.ts';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const r = await startServer({ port: 0, db: ':memory:', rateLimit: false, log: () => undefined, ...options });
  running.push(r);
  await r.loaded;
  return r;
}

/** The status and content type of GET path with these headers; the body is not waited for (it may be a stream). */
function head(r: RunningServer, path: string, headers: Record<string, string>): Promise<{ status: number; type: string | undefined }> {
  const { port } = r.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
      res.destroy();
    });
    req.on('error', reject);
  });
}

describe('a token-less loopback server against DNS rebinding', () => {
  it.each([['localhost:8080'], ['127.0.0.1'], ['127.0.0.1:1234'], ['[::1]:8080'], ['LOCALHOST']])('answers Host %s', async (host) => {
    const r = await serve();
    await request(r.server).get('/api/v1/clusters').set('Host', host).expect(200);
  });

  it.each([['attacker.example'], ['attacker.example:8080'], ['127.0.0.1.attacker.example'], ['localhost.attacker.example'], ['']])('refuses Host %j with 403 and says how to allow a name', async (host) => {
    const r = await serve();
    const res = await request(r.server).get('/api/v1/graph').set('Host', host);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/is not a name this loopback server answers to .*--allowed-host/);
    expect(JSON.stringify(res.body)).not.toMatch(/"edges"/);
  });

  it('refuses a rebound name on /events and on the UI as well', async () => {
    const r = await serve();
    expect((await head(r, '/api/v1/events', { Host: 'attacker.example' })).status).toBe(403);
    expect((await request(r.server).get('/').set('Host', 'attacker.example')).status).toBe(403);
  });

  it('refuses a request a page of another site sends (its Origin), and answers its own UI', async () => {
    const r = await serve();
    const res = await request(r.server).post('/api/v1/generate').set('Origin', 'https://attacker.example').send({});
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/a page from "https:\/\/attacker\.example" may not call this loopback server/);
    const { port } = r.server.address() as AddressInfo;
    await request(r.server).get('/api/v1/clusters').set('Origin', `http://127.0.0.1:${port}`).expect(200);
    await request(r.server).get('/api/v1/clusters').set('Origin', 'http://localhost:5173').expect(200);
  });

  it('answers a name given with --allowed-host', async () => {
    const r = await serve({ allowedHost: ['netatlas.internal'] });
    await request(r.server).get('/api/v1/clusters').set('Host', 'netatlas.internal:8080').expect(200);
    await request(r.server).get('/api/v1/clusters').set('Host', 'other.internal').expect(403);
  });
});

describe('token mode', () => {
  const token = 'test-token-0123456789abcdef';

  it('refuses the API without a token, and with a wrong one of any length', async () => {
    const r = await serve({ token });
    await request(r.server).get('/api/v1/graph').expect(401);
    for (const wrong of ['x', `${token}x`, token.slice(0, -1), 'y'.repeat(token.length)]) {
      await request(r.server).get('/api/v1/graph').set('Authorization', `Bearer ${wrong}`).expect(401);
    }
    await request(r.server).get('/api/v1/graph').set('Authorization', `Bearer ${token}`).expect(200);
    await request(r.server).get('/api/v1/healthz').expect(200);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie that the API and /events accept', async () => {
    const r = await serve({ token });
    await request(r.server).post('/api/v1/session').send({ token: 'wrong' }).expect(401);
    const res = await request(r.server).post('/api/v1/session').send({ token }).expect(204);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/api; Max-Age=43200$`));
    expect(setCookie).not.toContain(token);
    const cookie = setCookie.split(';')[0];
    await request(r.server).get('/api/v1/graph').set('Cookie', cookie).expect(200);
    expect(await head(r, '/api/v1/events?level=workload', { Cookie: cookie })).toEqual({ status: 200, type: 'text/event-stream; charset=utf-8' });
    expect((await head(r, '/api/v1/events', {})).status).toBe(401);
    await request(r.server).get('/api/v1/graph').set('Cookie', `${SESSION_COOKIE}=${sessionValue('another token')}`).expect(401);
  });

  it('ends the session on DELETE /session', async () => {
    const r = await serve({ token });
    const res = await request(r.server).delete('/api/v1/session').set('Authorization', `Bearer ${token}`).expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/Max-Age=0/);
  });

  it('answers any Host: the token guards it', async () => {
    const r = await serve({ token });
    await request(r.server).get('/api/v1/clusters').set('Host', 'netatlas.example.com').set('Authorization', `Bearer ${token}`).expect(200);
  });
});

describe('secretMatches', () => {
  it.each([['abc', 'abc', true], ['abc', 'abd', false], ['ab', 'abc', false], ['', 'abc', false], ['abcd', 'abc', false]])('%j against %j: %s', (given, expected, ok) => {
    expect(secretMatches(given, expected)).toBe(ok);
  });
});
