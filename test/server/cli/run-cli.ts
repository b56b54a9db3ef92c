/**
 * Runs the real `netatlas` entry point (server/cli/main.ts) in-process and captures what it
 * writes, so CLI tests check the same exit-code mapping users get.
 */
import { vi } from 'vitest';
import { main } from '../../../server/cli/main.ts';

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

export async function runCli(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  process.exitCode = undefined;
  try {
    const status = await main(['node', 'netatlas', ...args]);
    return { stdout, stderr, status };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
