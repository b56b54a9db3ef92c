/**
 * Connection sets interned as small integers (0 = none, 1 = all), with memoized
 * intersection and union: the map combines millions of answers that are mostly the same
 * few sets.
 */
import { ConnectionSet } from '../ports.ts';

export const NONE_ID = 0;
export const ALL_ID = 1;

export class ConnectionSetTable {
  readonly sets: ConnectionSet[] = [ConnectionSet.NONE, ConnectionSet.ALL];
  private readonly ids = new Map<string, number>([['No Connections', NONE_ID], ['All Connections', ALL_ID]]);
  private readonly byIdentity = new Map<ConnectionSet, number>();
  private readonly intersections = new Map<number, number>();
  private readonly unions = new Map<number, number>();

  intern(s: ConnectionSet): number {
    if (s.isEmpty()) return NONE_ID;
    if (s.isAll()) return ALL_ID;
    const known = this.byIdentity.get(s);
    if (known !== undefined) return known;
    const k = s.toString();
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(s);
      this.ids.set(k, id);
    }
    this.byIdentity.set(s, id);
    return id;
  }

  intersect(a: number, b: number): number {
    if (a === ALL_ID) return b;
    if (b === ALL_ID || a === b) return a;
    if (a === NONE_ID || b === NONE_ID) return NONE_ID;
    const k = a * 2097152 + b;
    let r = this.intersections.get(k);
    if (r === undefined) this.intersections.set(k, (r = this.intern(this.sets[a].intersect(this.sets[b]))));
    return r;
  }

  union(a: number, b: number): number {
    if (a === NONE_ID || a === b) return b;
    if (b === NONE_ID) return a;
    if (a === ALL_ID || b === ALL_ID) return ALL_ID;
    const k = a * 2097152 + b;
    let r = this.unions.get(k);
    if (r === undefined) this.unions.set(k, (r = this.intern(this.sets[a].union(this.sets[b]))));
    return r;
  }
}
