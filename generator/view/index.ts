/** generator/view: the one projection and filter set of the CLI, the API and the web map. */
export * from './infra.ts';
export * from './filters.ts';
export * from './project.ts';
