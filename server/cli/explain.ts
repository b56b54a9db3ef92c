/**
 * `netatlas explain PATH... --src ns/name --dst ns/name --port 8080/TCP`: the verdict for
 * one connection and the rules behind it.
 */
import { Command } from 'commander';
import type { Inventory, PodInfo, Protocol } from '../../generator/model/index.ts';
import { formatVerdict, ipv4ToInt, topLevelOwner, type Peer } from '../../generator/semantics/index.ts';
import { CliExit, EXIT_BAD_INPUT, EXIT_FINDINGS } from './exit.ts';
import { addReadingOptions, loadPolicyInput, type ReadingOptions } from './policy-input.ts';

/** `ns/name` of a pod or of a workload (its first pod), or an IP address. */
export function resolvePeer(inv: Inventory, text: string, what: string): Peer {
  if (ipv4ToInt(text) !== undefined || text.includes(':')) return { kind: 'ip', ip: text };
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3) {
    throw new CliExit(`netatlas/explain: ${what} ${JSON.stringify(text)} is neither namespace/name nor an IP address (e.g. default/frontend).`, EXIT_BAD_INPUT);
  }
  const [cluster, ns, name] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
  const pods = inv.pods.filter((p) => p.namespace === ns && (cluster === undefined || p.cluster === cluster));
  const pod: PodInfo | undefined =
    pods.find((p) => p.name === name) ?? pods.find((p) => topLevelOwner(p).name === name);
  if (!pod) {
    const known = [...new Set(pods.map((p) => topLevelOwner(p).name))].slice(0, 10).join(', ');
    throw new CliExit(`netatlas/explain: ${what} ${text}: no pod or workload of that name in namespace ${ns}${known ? ` (known: ${known})` : ''}.`, EXIT_BAD_INPUT);
  }
  return { kind: 'pod', pod };
}

export function parsePortSpec(text: string): { port: number; protocol: Protocol } {
  const m = /^(\d+)(?:\/(TCP|UDP|SCTP))?$/i.exec(text.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535) throw new CliExit(`netatlas/explain: --port ${JSON.stringify(text)} is not PORT[/PROTOCOL] (e.g. 8080/TCP).`, EXIT_BAD_INPUT);
  return { port, protocol: (m[2]?.toUpperCase() ?? 'TCP') as Protocol };
}

export function explainCommand(): Command {
  return addReadingOptions(new Command('explain')
    .description('Explain whether one connection is allowed: the verdict per direction and the rules behind it, in evaluation order, each named by kind, tier, policy and rule.')
    .argument('<paths...>', 'manifest or dump files and folders (YAML/JSON, .gz)')
    .requiredOption('--src <peer>', 'source: namespace/name of a pod or workload, or an IP address')
    .requiredOption('--dst <peer>', 'destination: namespace/name of a pod or workload, or an IP address')
    .requiredOption('--port <port>', 'destination port and protocol, e.g. 8080/TCP (protocol defaults to TCP)')
    .option('--ipblock-matches-pods', 'let ipBlock peers match pod IPs too (Calico does; Cilium does not)', false)
    .option('--cluster <name>', 'cluster name for every file')
    .option('--json', 'print the verdict as JSON', false))
    .action(async (paths: string[], o: { src: string; dst: string; port: string; ipblockMatchesPods: boolean; cluster?: string; json: boolean } & ReadingOptions) => {
      const { port, protocol } = parsePortSpec(o.port);
      const input = await loadPolicyInput(paths, { ...o, ipBlockMatchesPods: o.ipblockMatchesPods });
      for (const line of input.problems) if (line.startsWith('error')) process.stderr.write(`${line}\n`);
      const src = resolvePeer(input.inventory, o.src, '--src');
      const dst = resolvePeer(input.inventory, o.dst, '--dst');
      const verdict = input.engine.evaluate({ src, dst, protocol, port });
      process.stdout.write(o.json ? `${JSON.stringify({ allowed: verdict.allowed, egress: verdict.egress, ingress: verdict.ingress }, null, 2)}\n` : `${formatVerdict(verdict)}\n`);
      // 0 allowed, 1 denied (usable as a gate), 2 bad input.
      process.exitCode = input.hasErrors ? EXIT_BAD_INPUT : verdict.allowed ? 0 : EXIT_FINDINGS;
    });
}
