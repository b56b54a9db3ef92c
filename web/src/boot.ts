/**
 * The page's entry module: it starts what the first frame waits for, then loads the app (a
 * chunk of its own: sigma, graphology, the UI). Before, the graph request and the WebGL start-up
 * waited until the ~0.5 MB app bundle was fetched, parsed and run.
 *
 * - The first graph is fetched and parsed in a worker (api.graphAnswerInWorker) from here.
 * - The first WebGL context of a page costs ~0.5-0.7 s in software WebGL (swiftshader: the GPU
 *   process sets it up), later ones ~30-60 ms (measured). A throwaway context made in a worker
 *   (webgl-warm-up.worker.ts) pays that while the app chunk loads and the graph answer's headers
 *   are on their way, instead of sigma on the main thread once they are in. (Made on the main
 *   thread here instead, it blocked the app chunk's evaluation; released at once, the next
 *   context paid part of the set-up again.)
 */
import { api, captureTokenFromHash } from './api.ts';
import { EMPTY_FILTERS } from './state/filters.ts';
import { decodeViewState } from './state/url-state.ts';

/** Starts webgl-warm-up.worker.ts; the function returned ends it (once sigma has its own context). */
function warmUpWebGL(): () => void {
  if (typeof Worker === 'undefined' || typeof OffscreenCanvas !== 'function') return () => undefined;
  const worker = new Worker(new URL('./webgl-warm-up.worker.ts', import.meta.url), { type: 'module', name: 'netatlas-webgl-warm-up' });
  return () => worker.terminate();
}

captureTokenFromHash();
// ask for the graph first: sigma is built as soon as the answer's count headers are in (the
// program set depends on the map's size), while the body downloads, or once the graph is here
// if the server sends no counts
performance.mark('netatlas:graph-request');
const firstGraph = api.graphAnswerInWorker(decodeViewState(location.search).level, EMPTY_FILTERS);
firstGraph.catch(() => undefined);
const releaseWarmUp = warmUpWebGL();
void import('./main.ts').then((m) => m.startApp(firstGraph, releaseWarmUp));
