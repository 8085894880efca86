import { and, asc, eq, gte, isNotNull, lt, not, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { bodyKeptSql, deleteObjects } from "./event-bodies";
import { idBound } from "./event-queries";
import { inIdList } from "./id-list";
import { events } from "./schema";

/** Which events one retention pass looks at. */
export interface BodyRetentionScope {
  /** Bodies of events accepted before this (ms) are dropped. */
  cutoffMs: number;
  /** Scan no further back than this (ms): earlier bodies were dropped by earlier runs. Unset: everything before the cutoff. */
  fromMs?: number;
  /** Only this source's events (a source with its own `retentionDays`). */
  sourceId?: string;
  /** Not these sources' events: they follow their own `retentionDays`. */
  exceptSources?: readonly string[];
}

function scopeConditions(scope: BodyRetentionScope): SQL[] {
  const conditions: SQL[] = [bodyKeptSql];
  if (scope.sourceId !== undefined) {
    // One source: a range of the index on (source_id, received_at).
    conditions.push(eq(events.sourceId, scope.sourceId), lt(events.receivedAt, scope.cutoffMs));
    if (scope.fromMs !== undefined) conditions.push(gte(events.receivedAt, scope.fromMs));
    return conditions;
  }
  // All sources: a range of the primary key (ids are time-ordered).
  conditions.push(lt(events.id, idBound("evt", scope.cutoffMs)));
  if (scope.fromMs !== undefined) conditions.push(gte(events.id, idBound("evt", scope.fromMs)));
  if (scope.exceptSources?.length) conditions.push(not(inIdList(events.sourceId, scope.exceptSources)));
  return conditions;
}

/**
 * Drops the bodies of the events in `scope` (at most `limit` of them), wherever each
 * body lives, keeping every other column: status, trace, lead and the delivery log
 * stay as the audit record. An R2 object is deleted unless another event whose body
 * is kept still names it (a replay shares its original's object). The objects go
 * first, then the rows: if the row update fails, the next run finds the same rows and
 * deletes again (a no-op), so no object is ever left behind without a row naming it.
 * Returns the events whose bodies were dropped.
 */
export async function dropEventBodies(db: Database, bucket: R2Bucket, scope: BodyRetentionScope, limit: number): Promise<number> {
  const rows = await db
    .select({ id: events.id, bodyRef: events.bodyRef })
    .from(events)
    .where(and(...scopeConditions(scope)))
    .orderBy(scope.sourceId !== undefined ? asc(events.receivedAt) : asc(events.id))
    .limit(limit);
  if (rows.length === 0) return 0;
  const ids = rows.map((row) => row.id);
  const refs = [...new Set(rows.flatMap((row) => (row.bodyRef === null ? [] : [row.bodyRef])))];
  if (refs.length > 0) {
    const shared = await db
      .select({ ref: events.bodyRef })
      .from(events)
      .where(and(isNotNull(events.bodyRef), inIdList(events.bodyRef, refs), not(inIdList(events.id, ids))));
    const stillUsed = new Set(shared.map((row) => row.ref));
    await deleteObjects(
      bucket,
      refs.filter((ref) => !stillUsed.has(ref)),
    );
  }
  await db.run(sql`update ${events} set body = null, body_ref = null where ${inIdList(events.id, ids)}`);
  return rows.length;
}
