/**
 * The subcommand list. Each entry is a factory from a file of its own in this folder.
 * Keep the list sorted by name.
 */
import type { Command } from 'commander';
import { collectCommand } from './collect.ts';
import { connectivityCommand } from './connectivity.ts';
import { diffCommand } from './diff.ts';
import { diffPoliciesCommand } from './diff-policies.ts';
import { explainCommand } from './explain.ts';
import { generateCommand } from './generate.ts';
import { graphCommand } from './graph.ts';
import { inventoryCommand } from './inventory.ts';
import { riskCommand } from './risk.ts';
import { serveCommand } from './serve.ts';

export const subcommands: Array<() => Command> = [collectCommand, connectivityCommand, diffCommand, diffPoliciesCommand, explainCommand, generateCommand, graphCommand, inventoryCommand, riskCommand, serveCommand];
