// Entry of the parallel ingest's worker thread (parallel.ts): runs classify-worker.ts. Node 20
// does not read TypeScript, and a worker does not inherit the loader hooks the main thread
// registered (npx netatlas, node --import tsx, vitest), so the worker loads it with tsx's
// require hook: compiled in this thread, without the extra hooks thread of tsx's ESM loader.
import { register } from 'tsx/cjs/api';

register({ namespace: 'netatlas-classify-worker' }).require('./classify-worker.ts', import.meta.url);
