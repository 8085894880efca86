import { and, eq, inArray, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";
import { events, type NewEventRow } from "./schema";

/** D1 binds at most 100 parameters per statement. */
const maxBoundParameters = 100;

/**
 * Writes events idempotently: a row whose id exists is left as it is, so a flush
 * repeated after a crash never duplicates or rewinds an event. All statements go in
 * one `batch` (one round trip, one transaction).
 */
export async function insertEvents(db: Database, rows: NewEventRow[]): Promise<void> {
  const [first] = rows;
  if (!first) return;
  // drizzle binds one parameter per column given (absent ones become literal nulls).
  const eventsPerInsert = Math.floor(maxBoundParameters / Object.keys(first).length);
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

/** Marks an event dead (routing itself was dead-lettered) unless it was decided meanwhile. */
export async function markEventDead(db: Database, id: string, reason: string, nowMs = Date.now()): Promise<void> {
  await db
    .update(events)
    .set({ status: "dead", statusReason: reason, updatedAt: nowMs })
    .where(and(eq(events.id, id), eq(events.status, "queued")));
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

export async function getEvents(db: Database, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(events).where(inArray(events.id, ids));
}
