export * from './flow-store.ts';
export * from './store.ts';
export { openStore } from './open.ts';
