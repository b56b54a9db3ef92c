import { describe, expect, it } from 'vitest';
import {
  clusterOfKey, externalKey, flowEdgeKey, namespaceKey, parseKey, podKey, reservedKey, workloadKey, assertClusterName,
} from '../../../generator/model/index.ts';

describe('keys', () => {
  it('the same namespace/name in two clusters are two keys', () => {
    expect(podKey('dev', 'shop', 'web-1')).not.toBe(podKey('prod', 'shop', 'web-1'));
  });

  it('parseKey inverts every key builder', () => {
    expect(parseKey(workloadKey('prod', 'shop', 'Deployment', 'web'))).toEqual({
      kind: 'workload', cluster: 'prod', namespace: 'shop', workloadKind: 'Deployment', name: 'web',
    });
    expect(parseKey(namespaceKey('dev', 'kube-system'))).toEqual({ kind: 'namespace', cluster: 'dev', namespace: 'kube-system' });
    expect(parseKey(reservedKey('dev', 'world'))).toEqual({ kind: 'reserved', cluster: 'dev', identity: 'world' });
    expect(parseKey(externalKey('2001:db8::1'))).toEqual({ kind: 'external', ip: '2001:db8::1' });
  });

  it('external peers belong to no cluster', () => {
    expect(clusterOfKey(externalKey('8.8.8.8'))).toBeUndefined();
    expect(clusterOfKey(podKey('dev', 'a', 'b'))).toBe('dev');
  });

  it('flow edge keys separate protocol and port', () => {
    expect(flowEdgeKey('a', 'b', 'TCP', 53)).not.toBe(flowEdgeKey('a', 'b', 'UDP', 53));
  });

  it('rejects a malformed key and a bad cluster name with a message naming it', () => {
    expect(() => parseKey('pod:dev/only-two')).toThrow(/malformed key "pod:dev\/only-two"/);
    expect(() => assertClusterName('bad/name')).toThrow(/invalid cluster name "bad\/name"/);
  });
});
