/**
 * Waits for a condition a server or source reaches on its own: re-checked every 25 ms, for at most
 * 10 s, then asserted (so a test that never gets there fails naming the check, not with a timeout).
 * A bounded poll, never a fixed sleep.
 */
import { expect } from 'vitest';

export async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(await check()).toBe(true);
}
