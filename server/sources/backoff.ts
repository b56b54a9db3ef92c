/**
 * Jittered exponential backoff, shared by every source that reconnects (live inventory, Hubble
 * Relay): each wait is drawn from [full * (1 - jitter), full], so the clients that lost one server
 * at the same moment do not all come back at the same instant.
 */

/** `full` ms jittered down by up to `jitter` (0..1) of itself; `random` in [0, 1). */
export function jittered(full: number, jitter: number, random: number): number {
  return Math.round(full * (1 - Math.min(1, Math.max(0, jitter)) * random));
}

/** How a source that failed is retried: exponential from `initialMs`, capped at `maxMs`, jittered. */
export interface RestartPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: number;
}

/**
 * Restarts by the manager and the Goldmane client's reconnects; the relay client's default
 * reconnect has the same numbers. The live inventory's watches wait 1 s to 60 s (inventory/live.ts).
 */
export const DEFAULT_RESTART: RestartPolicy = { initialMs: 500, maxMs: 30_000, jitter: 0.5 };

/** The wait before retry `attempt` (0 = the first retry). */
export function restartDelay(attempt: number, policy: RestartPolicy, random: number): number {
  return jittered(Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt)), policy.jitter, random);
}
