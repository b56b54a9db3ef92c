export * from './keys.ts';
export * from './labels.ts';
export * from './errors.ts';
export * from './inventory.ts';
export * from './policy.ts';
export * from './flow.ts';
export * from './graph.ts';
export * from './security.ts';
