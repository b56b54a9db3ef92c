/** server/graph: identity resolution and the aggregated connectivity graph. */
export * from './owners.ts';
export * from './identity.ts';
export * from './builder.ts';
export * from './ingest.ts';
