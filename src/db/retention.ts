import { and, gte, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "./client";
import { idBound } from "./event-queries";
import { events } from "./schema";

/**
 * Drops the bodies of events accepted before `cutoffMs` (at most `limit` rows),
 * keeping every other column: status, trace, lead and the delivery log stay as the
 * audit record. `fromMs` bounds the scan from below, so a run that has nothing to do
 * does not walk every old row whose body is already gone. Returns the rows changed.
 */
export async function dropEventBodies(db: Database, cutoffMs: number, limit: number, fromMs?: number): Promise<number> {
  const range = [lt(events.id, idBound("evt", cutoffMs)), isNotNull(events.body)];
  if (fromMs !== undefined) range.push(gte(events.id, idBound("evt", fromMs)));
  const result = await db.run(sql`update ${events} set body = null where id in (select id from ${events} where ${and(...range)} order by id limit ${limit})`);
  return result.meta.changes ?? 0;
}
