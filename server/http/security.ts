/**
 * Safe by default: security headers with a strict CSP, bearer-token auth when the server is
 * reachable from elsewhere, a rate limit, and a guard refusing request values that look like
 * file paths (the API never opens a file a request names).
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
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

export function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Requires `Authorization: Bearer <token>`. EventSource cannot set headers, so /events also
 * accepts `?access_token=`. healthz stays open for probes.
 */
export function requireToken(token: string): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.path === '/v1/healthz') return next();
    const header = req.get('authorization');
    let given: string | undefined;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) return next(new HttpError(401, 'netatlas/api: malformed Authorization header: expected "Bearer <token>".'));
      given = m[1];
    } else if (req.path === '/v1/events' && typeof req.query.access_token === 'string') {
      given = req.query.access_token;
    }
    if (!given) return next(new HttpError(401, 'netatlas/api: this server needs a token: send "Authorization: Bearer <token>" (printed by `netatlas serve` at start).'));
    if (!tokenMatches(given, token)) return next(new HttpError(401, 'netatlas/api: wrong token.'));
    delete (req.query as Record<string, unknown>).access_token;
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
