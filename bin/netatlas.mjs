#!/usr/bin/env node
// Runs the CLI from its compiled bundle (dist/cli/, made by bin/build-cli.mjs) when that was built
// from exactly the sources on disk, building it first when it was not; runs the TypeScript sources
// through tsx's loader when no build can be made (a read-only install, a source that does not
// compile) or NETATLAS_TSX=1 asks for them. Either way `npx netatlas` works right after `npm ci`.
import { compiledEntry } from './build-cli.mjs';

// A reader that stops early (`netatlas graph -o json | head`) closes the pipe: stop quietly with
// the exit code so far, as Unix tools do, instead of an unhandled EPIPE.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw err;
});

const entry = await compiledEntry();
let main;
if (entry) {
  ({ main } = await import(entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../server/cli/main.ts'));
}
process.exitCode = await main(process.argv);
