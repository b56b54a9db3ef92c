import { describe, expect, it } from 'vitest';
import { buildOwnerIndex, deploymentFromPodName, isScheduledTimeSuffix, resolveOwnerWorkload } from '../../../server/graph/owners.ts';
import type { PodInfo, WorkloadInfo } from '../../../generator/model/index.ts';
import { pod, workload } from './fixtures.ts';

const rsOwned = pod({ name: 'web-5d4c8b7f9-abcde', labels: { 'pod-template-hash': '5d4c8b7f9' }, owner: { kind: 'ReplicaSet', name: 'web-5d4c8b7f9', controller: true } });
const jobOwned = (job: string): PodInfo => pod({ name: `${job}-q2w4r`, owner: { kind: 'Job', name: job, controller: true } });

interface Row {
  readonly name: string;
  readonly pod: PodInfo;
  readonly owners: WorkloadInfo[];
  readonly expected: [string, string, string];
}

const rows: Row[] = [
  {
    name: 'a pod of a ReplicaSet owned by a Deployment resolves to the Deployment',
    pod: rsOwned,
    owners: [workload({ name: 'web-5d4c8b7f9', workloadKind: 'ReplicaSet', owner: { kind: 'Deployment', name: 'web' } }), workload({ name: 'web', workloadKind: 'Deployment' })],
    expected: ['Deployment', 'web', 'object'],
  },
  {
    name: 'a ReplicaSet in the input without an owner is the top workload',
    pod: rsOwned,
    owners: [workload({ name: 'web-5d4c8b7f9', workloadKind: 'ReplicaSet' })],
    expected: ['ReplicaSet', 'web-5d4c8b7f9', 'object'],
  },
  {
    name: 'a ReplicaSet whose Deployment is absent resolves through its ownerReference',
    pod: rsOwned,
    owners: [workload({ name: 'web-5d4c8b7f9', workloadKind: 'ReplicaSet', owner: { kind: 'Deployment', name: 'web' } })],
    expected: ['Deployment', 'web', 'reference'],
  },
  {
    name: 'an absent ReplicaSet becomes a Deployment when pod-template-hash confirms its name',
    pod: rsOwned,
    owners: [],
    expected: ['Deployment', 'web', 'replicaset-name'],
  },
  {
    name: 'an absent ReplicaSet stays a ReplicaSet when pod-template-hash does not match the name',
    pod: { ...rsOwned, labels: { 'pod-template-hash': 'zzzzzzzzz' } },
    owners: [],
    expected: ['ReplicaSet', 'web-5d4c8b7f9', 'reference'],
  },
  {
    name: 'an absent ReplicaSet stays a ReplicaSet when the pod has no pod-template-hash label',
    pod: { ...rsOwned, labels: {} },
    owners: [],
    expected: ['ReplicaSet', 'web-5d4c8b7f9', 'reference'],
  },
  {
    name: 'a Job owned by a CronJob resolves to the CronJob',
    pod: jobOwned('backup-29400000'),
    owners: [workload({ name: 'backup-29400000', workloadKind: 'Job', owner: { kind: 'CronJob', name: 'backup' } }), workload({ name: 'backup', workloadKind: 'CronJob' })],
    expected: ['CronJob', 'backup', 'object'],
  },
  {
    name: 'a Job in the input that says no CronJob stays a Job even with a time-like suffix',
    pod: jobOwned('backup-29400000'),
    owners: [workload({ name: 'backup-29400000', workloadKind: 'Job' })],
    expected: ['Job', 'backup-29400000', 'object'],
  },
  {
    name: 'an absent Job named with a scheduled-time suffix in minutes becomes a CronJob',
    pod: jobOwned('backup-29400000'),
    owners: [],
    expected: ['CronJob', 'backup', 'job-name'],
  },
  {
    name: 'an absent Job named with a scheduled-time suffix in seconds becomes a CronJob',
    pod: jobOwned('report-1764000000'),
    owners: [],
    expected: ['CronJob', 'report', 'job-name'],
  },
  {
    name: 'an absent Job with a small numeric suffix stays a Job',
    pod: jobOwned('migrate-2'),
    owners: [],
    expected: ['Job', 'migrate-2', 'reference'],
  },
  {
    name: 'a StatefulSet pod resolves to its StatefulSet',
    pod: pod({ name: 'db-0', owner: { kind: 'StatefulSet', name: 'db' } }),
    owners: [],
    expected: ['StatefulSet', 'db', 'reference'],
  },
  {
    name: 'a DaemonSet pod resolves to its DaemonSet',
    pod: pod({ name: 'agent-x7k2p', owner: { kind: 'DaemonSet', name: 'agent' } }),
    owners: [workload({ name: 'agent', workloadKind: 'DaemonSet' })],
    expected: ['DaemonSet', 'agent', 'object'],
  },
  {
    name: 'a ReplicationController pod resolves to its ReplicationController',
    pod: pod({ name: 'legacy-x7k2p', owner: { kind: 'ReplicationController', name: 'legacy' } }),
    owners: [],
    expected: ['ReplicationController', 'legacy', 'reference'],
  },
  {
    name: 'a bare pod stays a pod',
    pod: pod({ name: 'debug-shell' }),
    owners: [],
    expected: ['Pod', 'debug-shell', 'object'],
  },
  {
    name: 'a static pod owned by its Node stays a pod',
    pod: pod({ name: 'kube-apiserver-node-1', owner: { kind: 'Node', name: 'node-1' } }),
    owners: [],
    expected: ['Pod', 'kube-apiserver-node-1', 'object'],
  },
];

describe('resolveOwnerWorkload', () => {
  it.each(rows)('$name', ({ pod: p, owners, expected }) => {
    const top = resolveOwnerWorkload(p, buildOwnerIndex(owners));
    expect([top.workloadKind, top.name, top.via]).toEqual(expected);
  });

  it('looks owners up in the pod\'s own cluster and namespace only', () => {
    const other = workload({ cluster: 'dev', name: 'web-5d4c8b7f9', workloadKind: 'ReplicaSet' });
    const top = resolveOwnerWorkload({ ...rsOwned, labels: {} }, buildOwnerIndex([other]));
    expect(top.via).toBe('reference');
  });
});

describe('name heuristics', () => {
  it('accepts minutes and seconds since the epoch as scheduled-time suffixes', () => {
    expect(isScheduledTimeSuffix('29400000')).toBe(true);
    expect(isScheduledTimeSuffix('1764000000')).toBe(true);
    expect(isScheduledTimeSuffix('12345')).toBe(false);
    expect(isScheduledTimeSuffix('99999999999')).toBe(false);
  });

  it('derives a Deployment from a pod name only with safe-encoded hash and suffix', () => {
    expect(deploymentFromPodName('productpage-v1-6b746f74dc-9rcxx')).toBe('productpage-v1');
    expect(deploymentFromPodName('db-0')).toBeUndefined();
    expect(deploymentFromPodName('my-app-aeiou1-abcde')).toBeUndefined();
  });
});
