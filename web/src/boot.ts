/**
 * The page's entry module: it asks for the first graph (fetched and parsed in a worker, see
 * api.graphAnswerInWorker), then loads the app (a chunk of its own: sigma, graphology, the UI).
 * Before, the graph request waited until the ~0.5 MB app bundle was fetched, parsed and run.
 *
 * Tried and dropped: a throwaway WebGL context made here in a worker (OffscreenCanvas), to pay
 * the first context's set-up (~0.5-0.7 s in swiftshader; later contexts ~30-60 ms) before sigma
 * is built. In the page, sigma's own context still took 0.6-1 s and the worker's context came
 * late (Chromium creates a worker's context with the help of the main thread).
 */
import { api } from './api.ts';
import { authenticateFromHash } from './auth.ts';
import { filtersForServer } from './state/filters.ts';
import { decodeViewState } from './state/url-state.ts';
import { byId } from './ui/dom.ts';
import { renderLegend } from './ui/legend.ts';

// ask for the graph first (once a #token= is traded for the session cookie): a large map (by the
// answer's count headers) is drawn from its nodes as soon as they are in, while its edges still download
const firstGraph = authenticateFromHash().then(() => {
  performance.mark('netatlas:graph-request');
  const view = decodeViewState(location.search);
  return api.graphAnswerInWorker(view.level, filtersForServer(view.level, view.filters));
});
firstGraph.catch(() => undefined);
// static content, drawn before the first paint (see ui/legend.ts)
renderLegend(byId('legend'));
void import('./main.ts').then((m) => m.startApp(firstGraph));
