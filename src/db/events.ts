import { and, eq, getTableColumns, inArray, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";
import { type EventStatus, events, type NewEventRow } from "./schema";

/** D1 binds at most 100 parameters per statement. */
const maxBoundParameters = 100;
/** Rows per INSERT, so one statement stays under the bound-parameter limit. */
export const eventsPerInsert = Math.floor(maxBoundParameters / Object.keys(getTableColumns(events)).length);

/**
 * Writes events idempotently: a row whose id exists is left as it is, so a flush
 * repeated after a crash never duplicates or rewinds an event. All statements go in
 * one `batch` (one round trip, one transaction).
 */
export async function insertEvents(db: Database, rows: NewEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += eventsPerInsert) {
    statements.push(
      db
        .insert(events)
        .values(rows.slice(i, i + eventsPerInsert))
        .onConflictDoNothing({ target: events.id }),
    );
  }
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/** Moves events from one status to another; events already past `from` are untouched. */
export async function transitionEvents(
  db: Database,
  ids: string[],
  from: EventStatus,
  to: EventStatus,
  nowMs = Date.now(),
): Promise<void> {
  for (let i = 0; i < ids.length; i += maxBoundParameters - 3) {
    await db
      .update(events)
      .set({ status: to, updatedAt: nowMs })
      .where(and(inArray(events.id, ids.slice(i, i + maxBoundParameters - 3)), eq(events.status, from)));
  }
}

/** Events still `queued` since before `olderThanMs`: their routing message may be lost. */
export async function findStuckEvents(
  db: Database,
  olderThanMs: number,
  limit: number,
): Promise<{ id: string; sourceId: string }[]> {
  return db
    .select({ id: events.id, sourceId: events.sourceId })
    .from(events)
    .where(and(eq(events.status, "queued"), lt(events.updatedAt, olderThanMs)))
    .orderBy(events.updatedAt)
    .limit(limit);
}

/** Marks events as re-queued now, so the sweeper does not resend them on its next run. */
export async function touchEvents(db: Database, ids: string[], nowMs = Date.now()): Promise<void> {
  for (let i = 0; i < ids.length; i += maxBoundParameters - 2) {
    await db
      .update(events)
      .set({ updatedAt: nowMs })
      .where(inArray(events.id, ids.slice(i, i + maxBoundParameters - 2)));
  }
}

export async function getEvent(db: Database, id: string) {
  return db.query.events.findFirst({ where: eq(events.id, id) });
}
