/**
 * The `netatlas` command. One file per subcommand under server/cli/, wiring only: each
 * exports a `Command` factory; the work lives in server/ and generator/.
 *
 * Exit codes: 0 success, 1 findings (diff/generate gates), 2 bad input or usage.
 */
import { Command, CommanderError } from 'commander';
import { subcommands } from './commands.ts';
import { printable } from '../../generator/model/validate.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_OK } from './exit.ts';

export { CliExit, EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK } from './exit.ts';

export function buildProgram(): Command {
  const program = new Command('netatlas')
    .description('See and secure network traffic between Kubernetes workloads, across clusters.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const make of subcommands) {
    const sub = make();
    sub.exitOverride();
    program.addCommand(sub);
  }
  return program;
}

/** Runs the CLI; resolves to the exit code. Subcommand actions may set `process.exitCode`. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (error instanceof CliExit) {
      if (error.message) process.stderr.write(`netatlas: ${printable(error.message, true)}\n`);
      return error.exitCode;
    }
    const name = (error as Error)?.name;
    if (name === 'InputError' || name === 'ValidationError') {
      process.stderr.write(`netatlas: ${printable((error as Error).message, true)}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`netatlas: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 70;
  }
}
