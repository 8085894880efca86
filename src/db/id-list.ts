import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

/**
 * `column IN (…ids)` bound as ONE parameter (a JSON array read with json_each), so
 * a list of any length stays within D1's 100 bound parameters per statement. A
 * plain `inArray` binds one parameter per id and breaks at about a hundred.
 */
export function inIdList(column: SQLWrapper, ids: readonly string[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}
