// The parallel ingest's worker without its esbuild bundle (parallel.ts falls back to this when
// worker-bundle.ts cannot build one): runs classify-worker.ts. Node 20 does not read TypeScript,
// and a worker does not inherit the loader hooks the main thread registered (npx netatlas,
// node --import tsx), so this worker loads it with tsx's require hook: compiled in this thread,
// without the extra hooks thread of tsx's ESM loader (slower to start than the bundle: ~0.3 s).
import { register } from 'tsx/cjs/api';

register({ namespace: 'netatlas-classify-worker' }).require('./classify-worker.ts', import.meta.url);
