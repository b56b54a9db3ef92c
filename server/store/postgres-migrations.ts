/**
 * The PostgreSQL store's schema as versioned migrations, applied in order by PostgresStore.migrate
 * under an advisory lock; never edit one that has shipped, add the next.
 */
import { CONNECTIONS_MIGRATION } from './postgres-connections.ts';

/** The CREATE TABLE of an edge bucket table keyed by (edge, `slot`): the hourly and the minute ones have the same columns. */
function bucketTable(name: string, slot: 'hour' | 'minute'): string {
  return `CREATE TABLE ${name} (
  edge bigint NOT NULL,
  ${slot} bigint NOT NULL,
  count bigint NOT NULL,
  forwarded bigint NOT NULL,
  dropped bigint NOT NULL,
  other jsonb,
  drops jsonb,
  first bigint NOT NULL,
  last bigint NOT NULL,
  PRIMARY KEY (edge, ${slot})
)`;
}

/** Versioned migrations, applied in order; never edit one that has shipped, add the next. */
export const MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'edges, day-partitioned hourly buckets, nodes, inventories, offsets, journal',
    sql: `
CREATE TABLE nodes (key text PRIMARY KEY, attrs jsonb NOT NULL);
CREATE TABLE edges (
  id bigserial PRIMARY KEY,
  key text NOT NULL UNIQUE,
  source text NOT NULL,
  destination text NOT NULL,
  protocol text NOT NULL,
  port integer,
  inter boolean NOT NULL,
  service text,
  service_port integer,
  pod boolean NOT NULL DEFAULT false
);
${bucketTable('buckets', 'hour')} PARTITION BY RANGE (hour);
CREATE INDEX buckets_hour ON buckets (hour);
CREATE TABLE inventories (cluster text PRIMARY KEY, taken bigint NOT NULL, data jsonb NOT NULL);
CREATE TABLE offsets (source text PRIMARY KEY, position jsonb NOT NULL, updated bigint NOT NULL);
CREATE TABLE journal (
  seq bigserial PRIMARY KEY,
  writer text NOT NULL,
  collector text,
  batch_id text,
  at bigint NOT NULL,
  body jsonb NOT NULL,
  UNIQUE (collector, batch_id)
);
CREATE INDEX journal_at ON journal (at);
-- Sum two {name: count} objects (verdicts other than FORWARDED/DROPPED, drop reasons).
CREATE FUNCTION netatlas_add_counts(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE (
    SELECT jsonb_object_agg(k, n) FROM (
      SELECT k, sum(v::numeric)::bigint AS n FROM (
        SELECT key AS k, value AS v FROM jsonb_each_text(a) UNION ALL SELECT key, value FROM jsonb_each_text(b)
      ) s GROUP BY k
    ) t
  ) END
$$;
`,
  },
  {
    version: 2,
    name: 'minute buckets beside the hourly ones, for the recent past',
    sql: `
${bucketTable('buckets_minute', 'minute')};
CREATE INDEX buckets_minute_minute ON buckets_minute (minute);
`,
  },
  { version: 3, name: 'connections behind the edges, at most K per edge and minute', sql: CONNECTIONS_MIGRATION },
  {
    version: 4,
    name: 'an aggregate summing {name: count} objects, for the minute -> hour rollup',
    sql: 'CREATE AGGREGATE netatlas_sum_counts(jsonb) (SFUNC = netatlas_add_counts, STYPE = jsonb);',
  },
  {
    version: 5,
    name: 'connection rows and journal bodies as json: written often, read whole, never queried inside',
    // jsonb parses and re-encodes every document on insert; these are only ever read back whole
    // (and one field of a connection by ->>), so json (the text, checked) costs less to write:
    // ~1.4x faster connection inserts (docs/scale.md).
    sql: `
ALTER TABLE connections ALTER COLUMN body TYPE json USING body::json;
ALTER TABLE journal ALTER COLUMN body TYPE json USING body::json;
`,
  },
];

