import { and, asc, desc, eq, gte, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import { type DeliveryStatus, deliveries } from "./schema";

/**
 * The deliveries a bulk retry may send again, and the statements that find and
 * re-queue them (src/delivery/resend.ts, src/delivery/retry-job.ts). No index of
 * its own: every scan walks `deliveries_status_next` (status, next_attempt_at) for
 * one status at a time, in that order, a bounded window per step, and tests the
 * other filters on the rows read.
 */

/** Statuses a retry takes: the dead letters (`dead`, `failed`) and `pending` ones waiting out a backoff. */
export const retryableStatuses = ["dead", "failed", "pending"] as const satisfies readonly DeliveryStatus[];
export type RetryableStatus = (typeof retryableStatuses)[number];

export interface RetryFilter {
  /** At least one; scanned in this order. */
  status: RetryableStatus[];
  destination?: string;
  /** A case-insensitive substring of the delivery's last error. */
  error?: string;
  /** The delivery's last change (for a dead letter: when it died) at or after, ms. */
  fromMs?: number;
  /** … and before, ms. */
  toMs?: number;
}

/** Where a job's scan stands: the status it is in (an index into `status`) and the last row read. */
export interface RetryCursor {
  statusIndex: number;
  at: number;
  id: string;
}

export const cursorStart: RetryCursor = { statusIndex: 0, at: Number.MIN_SAFE_INTEGER, id: "" };

/**
 * A later delivery of the same lead to the same destination that has succeeded:
 * it carried a newer state of the lead, so re-sending an older upsert would write
 * older data over it. Such upserts never match.
 */
const supersededUpsert = sql`(${deliveries.action} = 'upsert' and exists (select 1 from deliveries as newer
  where newer.lead_id = ${deliveries.leadId} and newer.destination_id = ${deliveries.destinationId} and +newer.status = 'succeeded'
    and newer.created_at > ${deliveries.createdAt}))`;

/**
 * Every condition but the status. `asOfMs` is the job's start: a delivery changed
 * since (re-queued by this job, or dead again after it) never matches, so a job
 * sends each delivery at most once. A pending delivery held by a consumer right
 * now (`nowMs`) is left to it.
 */
function matchConditions(filter: RetryFilter, asOfMs: number, nowMs: number): SQL {
  const conditions: (SQL | undefined)[] = [
    lt(deliveries.updatedAt, Math.min(asOfMs, filter.toMs ?? asOfMs)),
    or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, nowMs)),
    sql`not ${supersededUpsert}`,
  ];
  if (filter.destination !== undefined) conditions.push(eq(deliveries.destinationId, filter.destination));
  if (filter.fromMs !== undefined) conditions.push(gte(deliveries.updatedAt, filter.fromMs));
  if (filter.error !== undefined) conditions.push(sql`instr(lower(coalesce(${deliveries.lastError}, '')), ${filter.error.toLowerCase()}) > 0`);
  return and(...conditions) ?? sql`1`;
}

/** Counted at most this far: a dry run over a larger backlog says "at least". */
export const maxCounted = 100_000;

/** How many deliveries match now (up to `maxCounted` + 1, so "more" can be told). */
export async function countRetryable(db: Database, filter: RetryFilter, nowMs: number): Promise<number> {
  const matching = db
    .select({ one: sql`1` })
    .from(deliveries)
    .where(and(inArray(deliveries.status, filter.status), matchConditions(filter, nowMs, nowMs)))
    .limit(maxCounted + 1);
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(matching.as("matching"));
  return row?.n ?? 0;
}

/** A few matching deliveries, most recently changed first: what a dry run shows. */
export function sampleRetryable(db: Database, filter: RetryFilter, nowMs: number, limit: number) {
  return db
    .select({
      deliveryId: deliveries.id,
      eventId: deliveries.eventId,
      destinationId: deliveries.destinationId,
      action: deliveries.action,
      status: deliveries.status,
      attempts: deliveries.attempts,
      lastError: deliveries.lastError,
      updatedAt: deliveries.updatedAt,
    })
    .from(deliveries)
    .where(and(inArray(deliveries.status, filter.status), matchConditions(filter, nowMs, nowMs)))
    .orderBy(desc(deliveries.updatedAt), desc(deliveries.id))
    .limit(limit);
}

export interface ScannedRow {
  id: string;
  eventId: string;
  at: number;
  hit: number;
}

/**
 * The next `limit` rows of one status after the cursor, in index order, each
 * marked whether it matches. Rows that do not match are read too (and passed), so
 * a step's work is bounded by `limit` however selective the filter is.
 */
export function scanRetryWindowQuery(
  db: Database,
  filter: RetryFilter,
  status: RetryableStatus,
  after: RetryCursor,
  asOfMs: number,
  nowMs: number,
  limit: number,
) {
  return db
    .select({
      id: deliveries.id,
      eventId: deliveries.eventId,
      at: deliveries.nextAttemptAt,
      hit: sql<number>`(${matchConditions(filter, asOfMs, nowMs)})`.mapWith(Number),
    })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.status, status),
        gte(deliveries.nextAttemptAt, after.at),
        or(sql`${deliveries.nextAttemptAt} > ${after.at}`, sql`${deliveries.id} > ${after.id}`),
      ),
    )
    .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
    .limit(limit);
}

/**
 * Puts deliveries back in line, due now: a dead letter as `pending` with a fresh
 * attempt budget (its earlier attempts stay in the history), a pending one with
 * its backoff cut short. Only rows still in one of `statuses`, unchanged since
 * `asOfMs` and held by no consumer; returns those it changed.
 */
export function requeueQuery(db: Database, ids: readonly string[], statuses: readonly RetryableStatus[], asOfMs: number, nowMs: number) {
  return db
    .update(deliveries)
    .set({
      status: "pending",
      attempts: sql`case when ${deliveries.status} = 'pending' then ${deliveries.attempts} else 0 end`,
      leaseUntil: null,
      nextAttemptAt: nowMs,
      updatedAt: nowMs,
    })
    .where(
      and(
        inIdList(deliveries.id, ids),
        inArray(sql`+${deliveries.status}`, [...statuses]),
        lt(deliveries.updatedAt, asOfMs),
        or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, nowMs)),
      ),
    )
    .returning({ id: deliveries.id, eventId: deliveries.eventId, destinationId: deliveries.destinationId });
}
