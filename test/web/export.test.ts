import { describe, expect, it } from 'vitest';
import { exportBatches } from '../../web/src/state/export.ts';
import { cart, devShell, stripe, web } from './fixtures.ts';

describe('YAML export', () => {
  it('sends one batch per cluster, in cluster order, and none for external peers', () => {
    const batches = exportBatches([web, stripe, devShell, cart]);
    expect([...batches.keys()]).toEqual(['dev', 'prod']);
    expect(batches.get('prod')).toEqual([web.key, cart.key]);
    expect(batches.get('dev')).toEqual([devShell.key]);
  });
});
