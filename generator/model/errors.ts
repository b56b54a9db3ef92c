/**
 * The small set of error classes tests match by name. Messages follow one pattern:
 * "<subsystem>: <where> <what was wrong>. <how to fix>".
 */

/** Where a problem is: a file and line, or an object (`prod/shop/NetworkPolicy/web`). */
export interface SourceLocation {
  readonly file?: string;
  readonly line?: number;
  /** `cluster/namespace/Kind/name`, or `cluster/Kind/name` for cluster-scoped objects. */
  readonly object?: string;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.object) parts.push(loc.object);
  return parts.join(' ');
}

/** Input that cannot be understood: broken YAML, unknown format, a malformed line. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(message: string, readonly location?: SourceLocation) {
    super(message);
  }
}

/** An object that parses but violates the API's validation rules (e.g. endPort < port). */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(message: string, readonly location?: SourceLocation) {
    super(message);
  }
}

/** Something non-fatal the user should know (an unknown kind in a policy folder, ...). */
export interface Warning {
  readonly code: string;
  readonly message: string;
  readonly location?: SourceLocation;
}
