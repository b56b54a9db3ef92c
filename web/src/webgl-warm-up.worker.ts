/**
 * Makes a throwaway WebGL 2 context (OffscreenCanvas) and keeps it until the page terminates
 * this worker: the first WebGL context of a page costs ~0.5-0.7 s in software WebGL (the GPU
 * process sets up swiftshader), later ones ~30-60 ms (measured). Made here, that set-up runs
 * while the page's main thread loads the app and waits for the graph's headers, instead of
 * when sigma is built.
 */
try {
  new OffscreenCanvas(1, 1).getContext('webgl2');
} catch {
  // no WebGL in workers here: sigma pays the set-up when it is built
}
(self as unknown as Worker).postMessage('ready');
