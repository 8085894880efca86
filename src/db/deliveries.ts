import { and, eq, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import { type BuiltStatement, jsonFields, type RawQuery } from "./json-rows";
import { type attempts, type DeliveryRow, type DeliveryStatus, deliveries, events } from "./schema";

/** A delivery row to insert; `leadId` may be SQL (the lead row found in the same batch). */
export type NewDelivery = Omit<typeof deliveries.$inferInsert, "leadId"> & { leadId?: string | SQL | null };
export type NewAttempt = typeof attempts.$inferInsert;

/** Rows per INSERT so that one statement binds at most 100 parameters. */
const deliveriesPerInsert = 6; // 15 columns and the lead's email × 6 = 96 parameters

/** INSERT OR IGNORE: deciding an event twice never creates a second delivery. */
export function insertDeliveriesStatements(db: Database, rows: NewDelivery[]): BuiltStatement[] {
  const statements: BuiltStatement[] = [];
  for (let i = 0; i < rows.length; i += deliveriesPerInsert) {
    statements.push(
      db
        .insert(deliveries)
        .values(rows.slice(i, i + deliveriesPerInsert))
        .onConflictDoNothing(),
    );
  }
  return statements;
}

export async function getDeliveries(db: Database, ids: string[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(deliveries).where(inIdList(deliveries.id, ids));
}

/**
 * `status = 'pending'` as a filter only. With the status index SQLite would walk
 * every pending delivery (a whole backlog) for each lookup by id or by event; the
 * query-plan tests (test/db/query-plans.test.ts) hold every per-batch statement to
 * lookups by id or event.
 */
const isPending = eq(sql`+${deliveries.status}`, "pending");

/** An event's pending deliveries (a query: await it, or read its SQL). */
export function pendingDeliveriesOf(db: Database, eventId: string) {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), isPending));
}

/**
 * True when an older delivery of the same lead to the same destination is still
 * pending (waiting, in flight or backing off). Older: created earlier, then by id
 * (`<eventId>:<index>`, and event ids are time-ordered).
 */
const olderPendingExists = sql`exists (select 1 from deliveries as older
  where older.lead_id = deliveries.lead_id and older.destination_id = deliveries.destination_id and +older.status = 'pending'
    and (older.created_at < deliveries.created_at or (older.created_at = deliveries.created_at and older.id < deliveries.id)))`;

/**
 * Takes pending deliveries for this consumer until `leaseUntil`. D1 applies one
 * write at a time, so the UPDATE … RETURNING is a compare-and-set: two consumers
 * holding the same redelivered message cannot both call the destination.
 *
 * Per lead, in order: a delivery is taken only when it is the oldest pending one of
 * its lead to its destination. So one lead's deliveries to one destination never
 * run at the same time (a second one would search the CRM before the first one's
 * record is findable and create a duplicate), and a later one never overtakes an
 * earlier one that is backing off (an update landing before the create it follows).
 */
export async function claimDeliveries(db: Database, ids: string[], nowMs: number, leaseMs: number): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return claimQuery(db, ids, nowMs, leaseMs);
}

export function claimQuery(db: Database, ids: string[], nowMs: number, leaseMs: number) {
  return db
    .update(deliveries)
    .set({ leaseUntil: nowMs + leaseMs })
    .where(and(inIdList(deliveries.id, ids), isPending, or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, nowMs)), sql`not ${olderPendingExists}`))
    .returning();
}

/**
 * The first in line of each of these leads towards one destination: its oldest
 * pending delivery, the one `claimDeliveries` will take next.
 */
export async function firstInLineOf(db: Database, destinationId: string, leadIds: readonly string[]): Promise<DeliveryRow[]> {
  if (leadIds.length === 0) return [];
  return firstInLineQuery(db, destinationId, leadIds);
}

export function firstInLineQuery(db: Database, destinationId: string, leadIds: readonly string[]) {
  return db
    .select()
    .from(deliveries)
    .where(and(inIdList(deliveries.leadId, [...new Set(leadIds)]), eq(deliveries.destinationId, destinationId), isPending, sql`not ${olderPendingExists}`));
}

export interface AttemptRecord {
  attempt: NewAttempt;
  update: { status: DeliveryStatus; externalId?: string; lastError: string | null; nextAttemptAt?: number };
}

/**
 * The outcomes of a batch of attempts: an attempt row each, and each delivery's new
 * state (status, attempt count, lease released, the CRM's record id when given, the
 * last error, the next attempt when given). Two statements, whatever the batch size:
 * plain SQL (drizzle's batch takes only its own builders; these run in D1's batch).
 * the rows travel as one JSON parameter (json_each), so a batch of 100 HubSpot
 * deliveries is two statements instead of two hundred (each statement costs D1 a
 * round of parsing and binding; the deliveries consumer was bound by it).
 */
export function recordAttemptsQueries(records: readonly AttemptRecord[]): RawQuery[] {
  if (records.length === 0) return [];
  const rows = JSON.stringify(
    records.map(({ attempt: a, update: u }) => ({
      id: a.id,
      deliveryId: a.deliveryId,
      eventId: a.eventId,
      destinationId: a.destinationId,
      attempt: a.attempt,
      outcome: a.outcome,
      httpStatus: a.httpStatus ?? null,
      latencyMs: a.latencyMs,
      excerpt: a.excerpt ?? null,
      error: a.error ?? null,
      retryAt: a.retryAt ?? null,
      at: a.at,
      status: u.status,
      externalId: u.externalId ?? null,
      lastError: u.lastError,
      nextAttemptAt: u.nextAttemptAt ?? null,
    })),
  );
  return [
    {
      sql: `INSERT OR IGNORE INTO attempts
        (id, delivery_id, event_id, destination_id, attempt, outcome, http_status, latency_ms, excerpt, error, retry_at, at)
        SELECT ${jsonFields(["id", "deliveryId", "eventId", "destinationId", "attempt", "outcome", "httpStatus", "latencyMs", "excerpt", "error", "retryAt", "at"])}
        FROM json_each(?1)`,
      params: [rows],
    },
    {
      sql: `UPDATE deliveries SET
          status = u.status,
          attempts = u.attempt,
          lease_until = NULL,
          updated_at = u.at,
          external_id = coalesce(u.external_id, deliveries.external_id),
          last_error = u.last_error,
          next_attempt_at = coalesce(u.next_attempt_at, deliveries.next_attempt_at)
        FROM (SELECT json_extract(value, '$.deliveryId') AS id, json_extract(value, '$.status') AS status,
                     json_extract(value, '$.attempt') AS attempt, json_extract(value, '$.at') AS at,
                     json_extract(value, '$.externalId') AS external_id, json_extract(value, '$.lastError') AS last_error,
                     json_extract(value, '$.nextAttemptAt') AS next_attempt_at
              FROM json_each(?1)) AS u
        WHERE deliveries.id = u.id`,
      params: [rows],
    },
  ];
}

/** A remark on a delivery that succeeded with a change (an owner the CRM refused, replaced). */
export interface DeliveryNote {
  eventId: string;
  deliveryId: string;
  destinationId: string;
  note: string;
  /** ISO time. */
  at: string;
}

/**
 * Appends notes to their events' decision traces (`trace.deliveryNotes`), so the
 * admin API and the console tell the story where the decision is. One statement per
 * note, in order, so that two notes for one event both stay.
 */
export function appendDeliveryNotesQueries(notes: readonly DeliveryNote[]): RawQuery[] {
  return notes.map(({ eventId, ...note }) => ({
    sql: `UPDATE events SET trace = json_set(coalesce(trace, '{}'), '$.deliveryNotes',
            json_insert(coalesce(json_extract(trace, '$.deliveryNotes'), json('[]')), '$[#]', json(?2)))
          WHERE id = ?1`,
    params: [eventId, JSON.stringify(note)],
  }));
}

/**
 * Lets another consumer take a delivery (rate-limited: no attempt was made). With
 * `nextAttemptAt`, the delivery is due then, so the sweeper does not count it as
 * overdue (and re-send it) while its destination is held.
 */
export async function releaseDeliveries(db: Database, ids: string[], nextAttemptAt?: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(deliveries)
    .set({ leaseUntil: null, ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }) })
    .where(inIdList(deliveries.id, ids));
}

/** Marks deliveries dead (dead-letter queue); returns those that were not final yet. */
export async function killDeliveries(db: Database, ids: string[], reason: string, nowMs: number): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return killQuery(db, ids, reason, nowMs);
}

export function killQuery(db: Database, ids: string[], reason: string, nowMs: number) {
  return db
    .update(deliveries)
    .set({ status: "dead", lastError: reason, leaseUntil: null, updatedAt: nowMs })
    .where(and(inIdList(deliveries.id, ids), isPending))
    .returning();
}

/**
 * Derives each event's status from its deliveries: `delivering` while any is pending,
 * then `routed` (all succeeded), `dead` (none did) or `partially_failed`. One
 * statement for any number of events (a delivery batch settles all of its own).
 */
export function settleEventsStatement(db: Database, eventIds: readonly string[], nowMs: number) {
  // `+column` keeps SQLite from using the status indexes here: it would otherwise
  // walk every routed event and every failed delivery ever stored, for each batch,
  // instead of looking the batch's events up by id and their deliveries by event.
  const has = (statuses: DeliveryStatus[]) =>
    sql`exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${events.id} and ${inArray(sql`+${deliveries.status}`, statuses)})`;
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
    .where(and(inIdList(events.id, [...eventIds]), inArray(sql`+${events.status}`, ["delivering", "routed", "partially_failed", "dead"])));
}

/**
 * Pending deliveries overdue since before `olderThanMs` that nobody holds: their
 * queue message may be lost. One waiting out a backoff is not overdue, nor is one
 * waiting behind an older delivery of its lead (that one is re-sent, and hands the
 * turn over when done).
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
        sql`not ${olderPendingExists}`,
      ),
    )
    .limit(limit);
}

/** Marks re-sent deliveries as due now, so the next sweep does not send them again. */
export async function touchDeliveries(db: Database, ids: string[], nowMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db.update(deliveries).set({ nextAttemptAt: nowMs, updatedAt: nowMs }).where(inIdList(deliveries.id, ids));
}
