/**
 * Deterministic randomness for the demo estate. Every random choice is drawn from a stream
 * named after what it decides (`fnv1a(seed + '|' + name)`), so adding a workload or a flow
 * never shifts the choices made for the others: the output changes only where the input did.
 */

/** FNV-1a 32-bit hash of a string. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A small seeded generator (mulberry32) with the helpers the estate needs. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('netatlas/samples: pick from an empty list.');
    return items[Math.floor(this.next() * items.length)];
  }

  /** `length` characters from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars('0123456789abcdef', length);
  }
}

/** A stream named `name` under `seed`. */
export function rngFor(seed: string, name: string): Rng {
  return new Rng(fnv1a(`${seed}|${name}`));
}

/** Kubernetes' rand.SafeEncodeString alphabet (no vowels, no confusable digits). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A deterministic RFC 4122 version-4-shaped UUID. */
export function uuidFor(seed: string, name: string): string {
  const r = rngFor(seed, `uuid|${name}`);
  const h = r.hex(32).split('');
  h[12] = '4';
  h[16] = '89ab'[r.int(0, 3)];
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
