import { and, eq, lt } from "drizzle-orm";
import type { Database } from "./client";
import { type BodyStore, placeBodies, withBodies } from "./event-bodies";
import { inIdList } from "./id-list";
import { events } from "./schema";

/** An event as its source's inbox hands it to D1. */
export interface AcceptedEvent {
  id: string;
  sourceId: string;
  dedupKey: string | null;
  requestId: string;
  contentType: string | null;
  headers: string;
  body: Uint8Array;
  verification: string;
  receivedAt: number;
}

/** The columns an inbox flush writes, in bind order; the rest start null. */
const flushColumns = [
  "id",
  "source_id",
  "status",
  "dedup_key",
  "request_id",
  "content_type",
  "headers",
  "body",
  "body_ref",
  "body_size",
  "verification",
  "received_at",
  "stored_at",
  "updated_at",
] as const;

/** D1 binds at most 100 parameters per statement. */
const maxBoundParameters = 100;
const eventsPerInsert = Math.floor(maxBoundParameters / flushColumns.length);
const rowPlaceholders = `(${flushColumns.map(() => "?").join(", ")})`;
const insertSql = new Map<number, string>();

function insertSqlFor(rows: number): string {
  let text = insertSql.get(rows);
  if (!text) {
    text = `INSERT OR IGNORE INTO events (${flushColumns.join(", ")}) VALUES ${Array(rows).fill(rowPlaceholders).join(", ")}`;
    insertSql.set(rows, text);
  }
  return text;
}

/**
 * Writes events idempotently: a row whose id exists is left as it is, so a flush
 * repeated after a crash never duplicates or rewinds an event. All statements go in
 * one `batch` (one round trip, one transaction).
 *
 * This is the one hot write path that does not go through drizzle: with 20-odd
 * columns, building the INSERT through the query builder took about 8% of the
 * gateway's CPU under load (docs/benchmarks.md); the statement text here is built
 * once per row count. Bodies over the store's threshold are written to R2 first
 * (src/db/event-bodies.ts) and the row keeps their key.
 */
export async function insertEvents(d1: D1Database, store: BodyStore, rows: AcceptedEvent[], storedAt = Date.now()): Promise<void> {
  if (rows.length === 0) return;
  const placed = await placeBodies(store, rows);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += eventsPerInsert) {
    const chunk = rows.slice(i, i + eventsPerInsert);
    const values = chunk.flatMap((e, j) => [
      e.id,
      e.sourceId,
      "queued",
      e.dedupKey,
      e.requestId,
      e.contentType,
      e.headers,
      placed[i + j]?.body ?? null,
      placed[i + j]?.bodyRef ?? null,
      e.body.byteLength,
      e.verification,
      e.receivedAt,
      storedAt,
      storedAt,
    ]);
    statements.push(d1.prepare(insertSqlFor(chunk.length)).bind(...values));
  }
  await d1.batch(statements);
}

/** Marks an event dead (routing itself was dead-lettered) unless it was decided meanwhile. */
export async function markEventDead(db: Database, id: string, reason: string, nowMs = Date.now()): Promise<void> {
  await db
    .update(events)
    .set({ status: "dead", statusReason: reason, updatedAt: nowMs })
    .where(and(eq(events.id, id), eq(events.status, "queued")));
}

/** Events still `queued` since before `olderThanMs`: their routing message may be lost. */
export async function findStuckEvents(db: Database, olderThanMs: number, limit: number): Promise<{ id: string; sourceId: string }[]> {
  return db
    .select({ id: events.id, sourceId: events.sourceId })
    .from(events)
    .where(and(eq(events.status, "queued"), lt(events.updatedAt, olderThanMs)))
    .orderBy(events.updatedAt)
    .limit(limit);
}

/** Marks events as re-queued now, so the sweeper does not resend them on its next run. */
export async function touchEvents(db: Database, ids: string[], nowMs = Date.now()): Promise<void> {
  if (ids.length === 0) return;
  await db.update(events).set({ updatedAt: nowMs }).where(inIdList(events.id, ids));
}

export async function getEvent(db: Database, id: string) {
  return db.query.events.findFirst({ where: eq(events.id, id) });
}

/** The events with their bodies, wherever each is stored (D1 or R2). */
export async function getEvents(db: Database, bodies: R2Bucket, ids: string[]) {
  if (ids.length === 0) return [];
  return withBodies(bodies, await db.select().from(events).where(inIdList(events.id, ids)));
}
