/** Exit codes shared by every subcommand: 0 success, 1 findings (gates), 2 bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_BAD_INPUT = 2;

/** Thrown by subcommands to end with a message and an exit code, without a stack trace. */
export class CliExit extends Error {
  override name = 'CliExit';
  constructor(message: string, readonly exitCode: number = EXIT_BAD_INPUT) {
    super(message);
  }
}
