/**
 * The subcommand list. Each entry is a factory from a file of its own in this folder.
 * Keep the list sorted by name.
 */
import type { Command } from 'commander';

export const subcommands: Array<() => Command> = [];
