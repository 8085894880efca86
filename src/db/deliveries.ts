import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import { attempts, type DeliveryRow, type DeliveryStatus, deliveries, events } from "./schema";

export type NewDelivery = typeof deliveries.$inferInsert;
export type NewAttempt = typeof attempts.$inferInsert;

/** Rows per INSERT so that one statement binds at most 100 parameters. */
const deliveriesPerInsert = 7; // 14 columns × 7 = 98 parameters

/** INSERT OR IGNORE: deciding an event twice never creates a second delivery. */
export function insertDeliveriesStatements(db: Database, rows: NewDelivery[]): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  for (let i = 0; i < rows.length; i += deliveriesPerInsert) {
    statements.push(db.insert(deliveries).values(rows.slice(i, i + deliveriesPerInsert)).onConflictDoNothing());
  }
  return statements;
}

export async function getDeliveries(db: Database, ids: string[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(deliveries).where(inIdList(deliveries.id, ids));
}

export async function pendingDeliveriesOf(db: Database, eventId: string): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, "pending")));
}

/**
 * Takes pending deliveries for this consumer until `leaseUntil`. D1 applies one
 * write at a time, so the UPDATE … RETURNING is a compare-and-set: two consumers
 * holding the same redelivered message cannot both call the destination.
 */
export async function claimDeliveries(db: Database, ids: string[], nowMs: number, leaseMs: number): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db
    .update(deliveries)
    .set({ leaseUntil: nowMs + leaseMs })
    .where(
      and(
        inIdList(deliveries.id, ids),
        eq(deliveries.status, "pending"),
        or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, nowMs)),
      ),
    )
    .returning();
}

/** The outcome of one attempt: the attempt row and the delivery's new state. */
export function recordAttemptStatements(
  db: Database,
  attempt: NewAttempt,
  update: { status: DeliveryStatus; externalId?: string; lastError?: string | null; nextAttemptAt?: number },
): BatchItem<"sqlite">[] {
  return [
    db.insert(attempts).values(attempt).onConflictDoNothing(),
    db
      .update(deliveries)
      .set({
        status: update.status,
        attempts: attempt.attempt,
        leaseUntil: null,
        updatedAt: attempt.at,
        ...(update.externalId !== undefined ? { externalId: update.externalId } : {}),
        ...(update.lastError !== undefined ? { lastError: update.lastError } : {}),
        ...(update.nextAttemptAt !== undefined ? { nextAttemptAt: update.nextAttemptAt } : {}),
      })
      .where(eq(deliveries.id, attempt.deliveryId)),
  ];
}

/** Lets another consumer take a delivery now (rate-limited: no attempt was made). */
export async function releaseDeliveries(db: Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(deliveries).set({ leaseUntil: null }).where(inIdList(deliveries.id, ids));
}

/** Marks deliveries dead (dead-letter queue); returns those that were not final yet. */
export async function killDeliveries(db: Database, ids: string[], reason: string, nowMs: number): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db
    .update(deliveries)
    .set({ status: "dead", lastError: reason, leaseUntil: null, updatedAt: nowMs })
    .where(and(inIdList(deliveries.id, ids), eq(deliveries.status, "pending")))
    .returning();
}

/**
 * Derives an event's status from its deliveries: `delivering` while any is pending,
 * then `routed` (all succeeded), `dead` (none did) or `partially_failed`.
 */
export function settleEventStatement(db: Database, eventId: string, nowMs: number) {
  const has = (statuses: DeliveryStatus[]) =>
    sql`exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${eventId} and ${inArray(deliveries.status, statuses)})`;
  return db
    .update(events)
    .set({
      status: sql`case
        when ${has(["pending"])} then 'delivering'
        when not ${has(["failed", "dead"])} then 'routed'
        when not ${has(["succeeded"])} then 'dead'
        else 'partially_failed' end`,
      updatedAt: nowMs,
    })
    .where(and(eq(events.id, eventId), inArray(events.status, ["delivering", "routed", "partially_failed", "dead"])));
}

/**
 * Pending deliveries overdue since before `olderThanMs` that nobody holds: their
 * queue message may be lost. One waiting out a backoff is not overdue.
 */
export async function findStalledDeliveries(db: Database, olderThanMs: number, limit: number): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(
      and(
        eq(deliveries.status, "pending"),
        lt(deliveries.nextAttemptAt, olderThanMs),
        or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, olderThanMs)),
      ),
    )
    .limit(limit);
}

/** Marks re-sent deliveries as due now, so the next sweep does not send them again. */
export async function touchDeliveries(db: Database, ids: string[], nowMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db.update(deliveries).set({ nextAttemptAt: nowMs, updatedAt: nowMs }).where(inIdList(deliveries.id, ids));
}
