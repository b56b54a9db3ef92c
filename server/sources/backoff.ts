/**
 * Jittered exponential backoff, shared by every source that reconnects (live inventory, Hubble
 * Relay): each wait is drawn from [full * (1 - jitter), full], so the clients that lost one server
 * at the same moment do not all come back at the same instant.
 */

/** `full` ms jittered down by up to `jitter` (0..1) of itself; `random` in [0, 1). */
export function jittered(full: number, jitter: number, random: number): number {
  return Math.round(full * (1 - Math.min(1, Math.max(0, jitter)) * random));
}
