/**
 * Safe by default: security headers with a strict CSP, bearer-token auth when the server is
 * reachable from elsewhere (a header for scripts, an HttpOnly session cookie for the UI), a Host
 * check against DNS rebinding when it is not, a rate limit, and a guard refusing request values
 * that look like file paths (the API never opens a file a request names).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { HttpError } from './errors.ts';

/** No inline script, no eval. Sigma needs WebGL only; layout workers may come from blob: URLs. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** A fresh random token (32 bytes, base64url). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a host binding is loopback only (no token needed). */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether `given` is the secret `expected`, in time that depends on neither: both are hashed to
 * 32 bytes first, so not even the length of the secret shows in the time taken.
 */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The UI's session cookie (HttpOnly, SameSite=Strict, Path=/api). */
export const SESSION_COOKIE = 'netatlas_session';
/** How long a session cookie lasts: 12 h. */
export const SESSION_MAX_AGE_S = 12 * 3600;

/**
 * The session cookie's value for a token: an HMAC of it, so the cookie never holds the token, a
 * restart keeps sessions valid, and a new token ends them all.
 */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('netatlas session v1').digest('base64url');
}

/** The value of one cookie of a Cookie header, or undefined. */
function cookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Requires `Authorization: Bearer <token>` or the session cookie POST /session hands out (the
 * UI's way, EventSource included: it cannot set headers). healthz and readyz stay open for
 * probes; /session checks the token itself.
 */
export function requireToken(token: string): RequestHandler {
  const session = sessionValue(token);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.path === '/v1/healthz' || req.path === '/v1/readyz' || req.path === '/v1/session') return next();
    const header = req.get('authorization');
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) return next(new HttpError(401, 'netatlas/api: malformed Authorization header: expected "Bearer <token>".'));
      return secretMatches(m[1], token) ? next() : next(new HttpError(401, 'netatlas/api: wrong token.'));
    }
    const fromCookie = cookie(req, SESSION_COOKIE);
    if (fromCookie !== undefined) {
      return secretMatches(fromCookie, session) ? next() : next(new HttpError(401, 'netatlas/api: the session has ended (the server\'s token changed): open the UI again with #token=<token>.'));
    }
    next(new HttpError(401, 'netatlas/api: this server needs a token: send "Authorization: Bearer <token>" (printed by `netatlas serve` at start), or open the UI as http://host:port/#token=<token>.'));
  };
}

/**
 * POST /v1/session `{"token": "..."}` (or with the Bearer header): when the token is right, sets
 * the HttpOnly, SameSite=Strict session cookie the API and /events accept; DELETE ends it. The
 * UI sends the token once, from the URL fragment (never sent to a server, so never logged).
 */
export function sessionRoutes(token: string): Router {
  const r = Router();
  const value = sessionValue(token);
  r.post('/session', (req, res, next) => {
    const header = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const body = req.body as { token?: unknown } | undefined;
    const given = header?.[1] ?? (typeof body?.token === 'string' ? body.token : undefined);
    if (given === undefined) return next(new HttpError(400, 'netatlas/api: POST /session needs {"token": "<token>"} (or "Authorization: Bearer <token>").'));
    if (!secretMatches(given, token)) return next(new HttpError(401, 'netatlas/api: wrong token.'));
    const secure = req.secure || req.get('x-forwarded-proto') === 'https' ? '; Secure' : '';
    res.set('Set-Cookie', `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/api; Max-Age=${SESSION_MAX_AGE_S}${secure}`);
    res.status(204).end();
  });
  r.delete('/session', (_req, res) => {
    res.set('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/api; Max-Age=0`);
    res.status(204).end();
  });
  return r;
}

/** Host names every loopback server answers to. */
const LOOPBACK_NAMES = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** The host name of a Host header (`name:port`, `[v6]:port`), lower-cased. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/**
 * Against DNS rebinding and cross-site requests: a token-less server answers only requests whose
 * Host names loopback (localhost, 127.x.x.x, [::1]) or a name in `allowed` (`--allowed-host`), and
 * whose Origin, when the browser sends one, names such a host too. A page on another site whose
 * name was rebound to 127.0.0.1 sends its own name as Host; a page that posts to 127.0.0.1 from
 * elsewhere sends its own Origin: both are refused.
 */
export function requireLocalHost(allowed: readonly string[] = []): RequestHandler {
  const names = new Set(allowed.map((a) => hostName(a)));
  const local = (name: string): boolean => LOOPBACK_NAMES.test(name) || names.has(name);
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('host') ?? '';
    const name = hostName(header);
    if (!local(name)) {
      return next(new HttpError(403, `netatlas/api: Host ${JSON.stringify(header.slice(0, 100))} is not a name this loopback server answers to (localhost, 127.0.0.1, [::1]); reach it by one of those, or start it with --allowed-host ${JSON.stringify(name.slice(0, 100) || 'NAME')}.`));
    }
    const origin = req.get('origin');
    if (origin !== undefined && origin !== 'null') {
      let originHost: string;
      try {
        originHost = hostName(new URL(origin).host);
      } catch {
        originHost = '';
      }
      if (!local(originHost)) return next(new HttpError(403, `netatlas/api: a page from ${JSON.stringify(origin.slice(0, 100))} may not call this loopback server; open the UI from the server itself.`));
    }
    next();
  };
}

export function apiRateLimit(options: { windowMs: number; limit: number }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(new HttpError(429, `netatlas/api: too many requests (more than ${options.limit} in ${Math.round(options.windowMs / 1000)} s): slow down and retry.`)),
  });
}

const PATH_LIKE = [
  /^[/\\~]/, // absolute or home
  /(^|[/\\])\.\.([/\\]|$)/, // parent segment
  /^[A-Za-z]:[/\\]/, // Windows drive
  /^file:/i,
  /\0/,
];

/** Whether a request value looks like a file path. */
export function looksLikePath(value: string): boolean {
  return PATH_LIKE.some((re) => re.test(value));
}

function findPathLike(value: unknown, where: string, depth = 0): string | undefined {
  if (depth > 6) return undefined;
  if (typeof value === 'string') return looksLikePath(value) ? where : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i < 10_000; i++) {
      const hit = findPathLike(value[i], `${where}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findPathLike(v, where ? `${where}.${k}` : k, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** 400 for any query value, path segment or JSON string that looks like a file path. */
export function refuseFilePaths(): RequestHandler {
  return (req, _res, next) => {
    let segments: string[];
    try {
      // Segments after /v1/<route>, each decoded on its own: a key sent as one encoded segment
      // (`%2Fetc%2Fpasswd`) is judged whole.
      segments = req.path.split('/').slice(3).map((s) => decodeURIComponent(s));
    } catch {
      return next(new HttpError(400, 'netatlas/api: the URL path is not valid percent-encoding.'));
    }
    const hitPath = segments.some((s) => s === '..' || looksLikePath(s));
    const hit = hitPath ? 'path' : findPathLike(req.query, 'query') ?? findPathLike(req.body, 'body');
    if (hit) {
      return next(new HttpError(400, `netatlas/api: ${hit} looks like a file path; the API never reads files named by a request. Pass graph keys or names instead.`));
    }
    next();
  };
}
