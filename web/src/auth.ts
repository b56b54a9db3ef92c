/**
 * Token mode (a server bound beyond loopback): the page is opened once as `/#token=<token>`. The
 * fragment never reaches a server (so no log holds it); this module takes it out of the address
 * bar and trades it for the server's HttpOnly, SameSite=Strict session cookie (POST
 * /api/v1/session), which every later request, the graph worker's fetch and EventSource included,
 * carries by itself. The token is kept nowhere script can read it again.
 */

/** Exchanges a `#token=` of the page's address for the session cookie; resolves when done (or there is none). */
export async function authenticateFromHash(): Promise<void> {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  history.replaceState(null, '', location.pathname + location.search);
  const res = await fetch('/api/v1/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: decodeURIComponent(m[1]) }),
  }).catch(() => undefined);
  // A wrong token leaves no cookie: the API's own 401 ("this server needs a token") then shows in the panels.
  if (res && !res.ok) console.warn(`netatlas: the token in the address was refused (${res.status})`);
}
