import { and, desc, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "./client";
import { idBound } from "./event-queries";
import { attempts, deadLetterStatuses, deliveries, type EventStatus, events } from "./schema";

/**
 * Figures for `GET /admin/v1/stats`, cheap enough to poll: every query is a range
 * of a time-ordered primary key (events, attempts) or an index prefix (deliveries
 * by status), and latencies come from a bounded sample of the newest attempts.
 */

/** Attempts sampled for latency percentiles. */
const latencySample = 5_000;

export interface Percentiles {
  samples: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
}

/** Nearest-rank percentiles over a sample. */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { samples: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return { samples: sorted.length, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[sorted.length - 1] };
}

function increment(target: Record<string, number>, key: string, by: number): void {
  target[key] = (target[key] ?? 0) + by;
}

export async function eventStats(db: Database, sinceMs: number, untilMs: number) {
  const inWindow = and(gte(events.id, idBound("evt", sinceMs)), lt(events.id, idBound("evt", untilMs)));
  const attemptWindow = and(gte(attempts.id, idBound("att", sinceMs)), lt(attempts.id, idBound("att", untilMs)));
  const [grouped, byDestination, sample, deadDeliveries, deadEvents, pending] = await Promise.all([
    db
      .select({ status: events.status, sourceId: events.sourceId, routeId: events.routeId, n: sql<number>`count(*)` })
      .from(events)
      .where(inWindow)
      .groupBy(events.status, events.sourceId, events.routeId),
    db
      .select({ destinationId: attempts.destinationId, outcome: attempts.outcome, n: sql<number>`count(*)` })
      .from(attempts)
      .where(attemptWindow)
      .groupBy(attempts.destinationId, attempts.outcome),
    db
      .select({
        destinationId: attempts.destinationId,
        latencyMs: attempts.latencyMs,
        endToEndMs: sql<number | null>`${attempts.at} - (select ${events.receivedAt} from ${events} where ${events.id} = ${attempts.eventId})`,
      })
      .from(attempts)
      .where(and(attemptWindow, eq(attempts.outcome, "succeeded")))
      .orderBy(desc(attempts.id))
      .limit(latencySample),
    db
      .select({ n: sql<number>`count(*)` })
      .from(deliveries)
      .where(and(inArray(deliveries.status, [...deadLetterStatuses]), gte(deliveries.updatedAt, sinceMs), lt(deliveries.updatedAt, untilMs))),
    db
      .select({ n: sql<number>`count(*)` })
      .from(events)
      .where(and(eq(events.status, "dead"), gte(events.updatedAt, sinceMs), lt(events.updatedAt, untilMs))),
    db.select({ n: sql<number>`count(*)` }).from(deliveries).where(eq(deliveries.status, "pending")),
  ]);

  const byStatus: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  const byRoute: Record<string, number> = {};
  let total = 0;
  for (const row of grouped) {
    total += row.n;
    increment(byStatus, row.status, row.n);
    increment(bySource, row.sourceId, row.n);
    if (row.routeId) increment(byRoute, row.routeId, row.n);
  }

  const destinations: Record<string, { attempts: number; succeeded: number; retryable: number; failed: number; latencyMs?: Percentiles }> = {};
  for (const row of byDestination) {
    const entry = (destinations[row.destinationId] ??= { attempts: 0, succeeded: 0, retryable: 0, failed: 0 });
    entry.attempts += row.n;
    entry[row.outcome] += row.n;
  }
  const perDestination = new Map<string, number[]>();
  for (const row of sample) {
    const list = perDestination.get(row.destinationId) ?? [];
    list.push(row.latencyMs);
    perDestination.set(row.destinationId, list);
  }
  for (const [id, values] of perDestination) {
    const entry = destinations[id];
    if (entry) entry.latencyMs = percentiles(values);
  }

  return {
    events: { total, byStatus, bySource, byRoute },
    destinations,
    latency: {
      /** One call to the destination. */
      attemptMs: percentiles(sample.map((r) => r.latencyMs)),
      /** From the webhook's arrival to the successful call. */
      endToEndMs: percentiles(sample.flatMap((r) => (r.endToEndMs === null ? [] : [r.endToEndMs]))),
    },
    deadLetters: { deliveries: deadDeliveries[0]?.n ?? 0, events: deadEvents[0]?.n ?? 0 },
    pendingDeliveries: pending[0]?.n ?? 0,
  };
}

/** A position in a newest-first list ordered by (updatedAt, id). */
export interface Position {
  at: number;
  id: string;
}

/** Dead letters: deliveries refused for good, out of attempts, or dead-lettered by the queue; newest first. */
export async function deadDeliveries(db: Database, filter: { destination?: string; source?: string }, page: { limit: number; after?: Position }) {
  const conditions = [inArray(deliveries.status, [...deadLetterStatuses])];
  if (filter.destination) conditions.push(eq(deliveries.destinationId, filter.destination));
  if (filter.source) conditions.push(eq(events.sourceId, filter.source));
  if (page.after) {
    const before = or(lt(deliveries.updatedAt, page.after.at), and(eq(deliveries.updatedAt, page.after.at), lt(deliveries.id, page.after.id)));
    if (before) conditions.push(before);
  }
  return db
    .select({
      deliveryId: deliveries.id,
      eventId: deliveries.eventId,
      sourceId: events.sourceId,
      destinationId: deliveries.destinationId,
      action: deliveries.action,
      attempts: deliveries.attempts,
      status: deliveries.status,
      reason: deliveries.lastError,
      at: deliveries.updatedAt,
    })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .where(and(...conditions))
    .orderBy(desc(deliveries.updatedAt), desc(deliveries.id))
    .limit(page.limit);
}

/** Events whose routing itself was dead-lettered (they have no deliveries), newest first. */
export async function deadRoutings(db: Database, filter: { source?: string }, page: { limit: number; after?: Position }) {
  const conditions = [eq(events.status, "dead"), sql`not exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${events.id})`];
  if (filter.source) conditions.push(eq(events.sourceId, filter.source));
  if (page.after) {
    const before = or(lt(events.updatedAt, page.after.at), and(eq(events.updatedAt, page.after.at), lt(events.id, page.after.id)));
    if (before) conditions.push(before);
  }
  return db
    .select({ eventId: events.id, sourceId: events.sourceId, reason: events.statusReason, at: events.updatedAt })
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.updatedAt), desc(events.id))
    .limit(page.limit);
}

/** Events accepted in one time bucket, by status. */
export interface EventBucket {
  /** Start of the bucket (ms). */
  at: number;
  byStatus: Partial<Record<EventStatus, number>>;
}

/**
 * Events accepted in [since, until) counted per `bucketMs` and status, oldest first,
 * for the console's chart. Buckets without events are left out. A range of the
 * time-ordered primary key, like `eventStats`.
 */
export async function eventsPerBucket(db: Database, sinceMs: number, untilMs: number, bucketMs: number): Promise<EventBucket[]> {
  // A literal integer, not a bound parameter, so SQLite divides as integers.
  const size = sql.raw(String(Math.max(1, Math.floor(bucketMs))));
  const bucket = sql<number>`(${events.receivedAt} / ${size}) * ${size}`;
  const rows = await db
    .select({ at: bucket, status: events.status, n: sql<number>`count(*)` })
    .from(events)
    .where(and(gte(events.id, idBound("evt", sinceMs)), lt(events.id, idBound("evt", untilMs))))
    .groupBy(bucket, events.status)
    .orderBy(bucket);
  const buckets = new Map<number, EventBucket>();
  for (const row of rows) {
    const entry = buckets.get(row.at) ?? { at: row.at, byStatus: {} };
    entry.byStatus[row.status] = (entry.byStatus[row.status] ?? 0) + row.n;
    buckets.set(row.at, entry);
  }
  return [...buckets.values()];
}
