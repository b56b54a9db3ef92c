/**
 * Validation against the OASIS SARIF 2.1.0 JSON schema, as shipped (for offline use) inside the
 * dev dependency @microsoft/jest-sarif; validated with Ajv's draft-04 build, the schema's draft.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import addFormats from 'ajv-formats';

let validator: ValidateFunction | undefined;

function sarifValidator(): ValidateFunction {
  if (validator) return validator;
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('@microsoft/jest-sarif')), 'schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // The schema's language-tag pattern is not a valid Unicode-mode regular expression.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv); // the schema's uri, uri-reference and date-time values are checked too
  validator = ajv.compile(schema);
  return validator;
}

/** The schema's complaints about a SARIF log; empty when it is valid. */
export function sarifSchemaErrors(log: unknown): ErrorObject[] {
  const validate = sarifValidator();
  return validate(log) ? [] : [...(validate.errors ?? [])];
}
