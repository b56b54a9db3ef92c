export * from './flow-store.ts';
