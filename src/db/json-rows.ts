/**
 * Many rows in one statement: the rows travel as one JSON parameter and SQL reads
 * them with json_each. D1 parses and binds each statement of a batch on its own, so
 * a consumer batch that writes 100 rows as one statement instead of 100 spends far
 * less on both sides of the binding.
 */

/** SQL with its parameters, for `D1Database.batch` next to statements drizzle builds (`toSQL()`). */
export interface RawQuery {
  sql: string;
  params: unknown[];
}

/** A statement drizzle built (insert, update, upsert), to run as plain SQL in a D1 batch with raw ones. */
export interface BuiltStatement {
  toSQL(): RawQuery;
}

/** `json_extract(value, '$.<name>')` for each name, comma-separated: the columns of a json_each row. */
export function jsonFields(names: readonly string[]): string {
  return names.map((name) => `json_extract(value, '$.${name}')`).join(", ");
}

/** Runs the queries in one D1 batch: one round trip, one transaction. */
export async function runQueries(d1: D1Database, queries: readonly RawQuery[]): Promise<void> {
  if (queries.length === 0) return;
  await d1.batch(queries.map((q) => d1.prepare(q.sql).bind(...q.params)));
}
