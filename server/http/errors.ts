/** An answer other than 200 with a message; routes throw it, the error handler sends it. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(readonly status: number, message: string, readonly code: string = codeFor(status)) {
    super(message);
  }
}

function codeFor(status: number): string {
  switch (status) {
    case 400: return 'bad_request';
    case 401: return 'unauthorized';
    case 404: return 'not_found';
    case 413: return 'too_large';
    case 429: return 'rate_limited';
    case 501: return 'not_implemented';
    case 503: return 'unavailable';
    default: return 'internal';
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, `netatlas/api: ${message}`);
export const notFound = (message: string): HttpError => new HttpError(404, `netatlas/api: ${message}`);
export const notImplemented = (what: string): HttpError =>
  new HttpError(501, `netatlas/api: ${what} is not available in this build yet (the engine it needs is not wired).`);
