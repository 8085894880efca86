import { and, asc, desc, eq, gt, gte, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import { newId } from "../lib/ids";
import type { Database } from "./client";
import { bodyKeptSql, withBodies } from "./event-bodies";
import { inIdList } from "./id-list";
import { attempts, deliveries, type EventStatus, events } from "./schema";
import { slaTimerOf } from "./sla-timers";

/**
 * The admin API's reads of events, and replay. Event ids are time-ordered (ULID
 * layout), so time windows are ranges of the primary key and ids are cursors:
 * every query here walks an index, never the whole table.
 */

/** The smallest id of anything created at `ms` or later: `evt_<time>` sorts before every id of that millisecond. */
export function idBound(prefix: "evt" | "att", ms: number): string {
  return newId(prefix, Math.max(0, Math.floor(ms))).slice(0, prefix.length + 11);
}

export interface EventFilter {
  source?: string;
  status?: EventStatus;
  /** The first route that matched. */
  route?: string;
  /** Events with a delivery to this destination. */
  destination?: string;
  /** Leads that went through this experiment (the route id of a split). */
  experiment?: string;
  /** Leads that landed in this experiment arm. */
  arm?: string;
  /** Accepted at or after (ms). */
  since?: number;
  /** Accepted before (ms). */
  until?: number;
  /** The mapped lead's email (compared lower-cased). */
  email?: string;
}

function filterConditions(filter: EventFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.source) conditions.push(eq(events.sourceId, filter.source));
  if (filter.status) conditions.push(eq(events.status, filter.status));
  if (filter.route) conditions.push(eq(events.routeId, filter.route));
  if (filter.experiment) conditions.push(eq(events.experiment, filter.experiment));
  if (filter.arm) conditions.push(eq(events.arm, filter.arm));
  if (filter.since !== undefined) conditions.push(gte(events.id, idBound("evt", filter.since)));
  if (filter.until !== undefined) conditions.push(lt(events.id, idBound("evt", filter.until)));
  if (filter.destination) {
    conditions.push(
      sql`exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${events.id} and ${deliveries.destinationId} = ${filter.destination})`,
    );
  }
  // No index on the lead's email: the other filters and the page size bound this scan.
  if (filter.email) conditions.push(sql`json_extract(${events.lead}, '$.email') = ${filter.email.trim().toLowerCase()}`);
  return conditions;
}

const summaryColumns = {
  id: events.id,
  sourceId: events.sourceId,
  status: events.status,
  statusReason: events.statusReason,
  routeId: events.routeId,
  ownerId: events.ownerId,
  experiment: events.experiment,
  arm: events.arm,
  email: sql<string | null>`json_extract(${events.lead}, '$.email')`,
  bodySize: events.bodySize,
  bodyKept: bodyKeptSql,
  receivedAt: events.receivedAt,
  updatedAt: events.updatedAt,
  replayOf: events.replayOf,
};

/** Newest first; `cursor` is the last id of the previous page. */
export async function listEvents(db: Database, filter: EventFilter, page: { limit: number; cursor?: string }) {
  const conditions = filterConditions(filter);
  if (page.cursor) conditions.push(lt(events.id, page.cursor));
  const rows = await db
    .select(summaryColumns)
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? last.id : undefined };
}

/** The event (its body read from R2 when it lives there) with its deliveries and every attempt, oldest attempt first. */
export async function eventDetail(db: Database, bodies: R2Bucket, id: string) {
  const [stored] = await db.select().from(events).where(eq(events.id, id)).limit(1);
  if (!stored) return undefined;
  const [eventDeliveries, eventAttempts, sla] = await Promise.all([
    db.select().from(deliveries).where(eq(deliveries.eventId, id)).orderBy(asc(deliveries.id)),
    db.select().from(attempts).where(eq(attempts.eventId, id)).orderBy(asc(attempts.at), asc(attempts.id)),
    slaTimerOf(db, id),
  ]);
  const [event = stored] = await withBodies(bodies, [stored]);
  return { event, deliveries: eventDeliveries, attempts: eventAttempts, sla };
}

export interface ReplayCandidate {
  id: string;
  sourceId: string;
  /** False once retention dropped the body: such an event cannot be replayed. */
  bodyKept: boolean;
}

/** Events matching `filter` in id order after `cursor`, for a replay job. */
export async function replayCandidates(db: Database, filter: EventFilter, page: { limit: number; cursor?: string }): Promise<ReplayCandidate[]> {
  const conditions = filterConditions(filter);
  if (page.cursor) conditions.push(gt(events.id, page.cursor));
  const rows = await db
    .select({ id: events.id, sourceId: events.sourceId, bodyKept: bodyKeptSql })
    .from(events)
    .where(and(...conditions))
    .orderBy(asc(events.id))
    .limit(page.limit);
  return rows.map((r) => ({ id: r.id, sourceId: r.sourceId, bodyKept: Boolean(r.bodyKept) }));
}

export async function replayCandidate(db: Database, id: string): Promise<ReplayCandidate | undefined> {
  const [row] = await db.select({ id: events.id, sourceId: events.sourceId, bodyKept: bodyKeptSql }).from(events).where(eq(events.id, id)).limit(1);
  return row ? { id: row.id, sourceId: row.sourceId, bodyKept: Boolean(row.bodyKept) } : undefined;
}

/**
 * Creates one new `queued` event per original, copying source, headers, body and
 * verification inside D1 (INSERT … SELECT: bodies never travel through the Worker),
 * with `replay_of` naming the original. A body in R2 is not copied: the replay
 * shares the original's object key, and retention deletes the object only when no
 * event with a kept body uses it any more (src/db/retention.ts). One batch, one transaction. Returns the
 * replays actually created (an original whose body is gone is left out).
 */
export async function insertReplays(
  db: Database,
  originals: readonly ReplayCandidate[],
  requestId: string,
  nowMs = Date.now(),
): Promise<{ id: string; replayOf: string; sourceId: string }[]> {
  const planned = originals.filter((o) => o.bodyKept).map((o) => ({ id: newId("evt", nowMs), replayOf: o.id, sourceId: o.sourceId }));
  if (planned.length === 0) return [];
  // Plain D1 statements: drizzle's batch does not take raw INSERT … SELECT.
  const d1 = db.$client;
  const copy = d1.prepare(
    `insert into events (id, source_id, status, request_id, content_type, headers, body, body_ref, body_size, verification, received_at, stored_at, updated_at, replay_of)
     select ?1, source_id, 'queued', ?2, content_type, headers, body, body_ref, body_size, verification, ?3, ?3, ?3, id
     from events where id = ?4 and (body is not null or body_ref is not null)`,
  );
  await d1.batch(planned.map((p) => copy.bind(p.id, requestId, nowMs, p.replayOf)));
  // A body dropped by retention between the read and the insert leaves no row.
  const created = await db
    .select({ id: events.id })
    .from(events)
    .where(
      inIdList(
        events.id,
        planned.map((p) => p.id),
      ),
    );
  const ids = new Set(created.map((r) => r.id));
  return planned.filter((p) => ids.has(p.id));
}

/** Replays created in the last `windowMs` that routing has not picked up yet: the replay backlog. */
export async function replaysInFlight(db: Database, windowMs: number, nowMs = Date.now()): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(events)
    .where(and(eq(events.status, "queued"), gte(events.updatedAt, nowMs - windowMs), isNotNull(events.replayOf)));
  return row?.n ?? 0;
}
