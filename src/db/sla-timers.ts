import { and, asc, eq, gte, inArray, lte, min } from "drizzle-orm";
import { type OutcomeName, outcomeNames } from "../config/schema";
import type { Database } from "./client";
import type { BuiltStatement } from "./json-rows";
import { type DeliveryRow, deliveries, events, leads, outcomes, type SlaStatus, type SlaTimerRow, slaTimers } from "./schema";

/** One line of an SLA's story, shown with the event's trace. */
export interface SlaHistoryEntry {
  at: number;
  kind: "started" | "met" | "missed" | "reassigned" | "escalated" | "notified" | "stopped";
  ownerId?: string;
  note: string;
}

export type NewSlaTimer = Omit<SlaTimerRow, "status" | "reassignments" | "history" | "updatedAt"> & { history: SlaHistoryEntry[] };

/** The insert that starts an SLA clock; runs in the routing decision's batch. Re-deciding keeps the first clock. */
export function startSlaStatement(db: Database, timer: NewSlaTimer): BuiltStatement {
  return db
    .insert(slaTimers)
    .values({ ...timer, status: "running", reassignments: 0, history: JSON.stringify(timer.history), updatedAt: timer.startedAt })
    .onConflictDoNothing();
}

/** Running clocks due by `nowMs`, oldest first, at most `limit`. */
export async function dueSlaTimers(db: Database, nowMs: number, limit: number): Promise<SlaTimerRow[]> {
  return db
    .select()
    .from(slaTimers)
    .where(and(eq(slaTimers.status, "running"), lte(slaTimers.dueAt, nowMs)))
    .orderBy(asc(slaTimers.dueAt))
    .limit(limit);
}

/** When the next running clock is due, if any. */
export async function nextSlaDue(db: Database): Promise<number | undefined> {
  const [row] = await db
    .select({ next: min(slaTimers.dueAt) })
    .from(slaTimers)
    .where(eq(slaTimers.status, "running"));
  return row?.next ?? undefined;
}

export async function slaTimerOf(db: Database, eventId: string): Promise<SlaTimerRow | undefined> {
  const [row] = await db.select().from(slaTimers).where(eq(slaTimers.eventId, eventId));
  return row;
}

/** The earliest outcome among `names` a lead got at or after `sinceMs`, if any. */
export async function firstOutcomeSince(
  db: Database,
  leadId: string,
  names: readonly OutcomeName[],
  sinceMs: number,
): Promise<{ outcome: OutcomeName; occurredAt: number } | undefined> {
  const [row] = await db
    .select({ outcome: outcomes.outcome, occurredAt: outcomes.occurredAt })
    .from(outcomes)
    .where(and(eq(outcomes.leadId, leadId), inArray(outcomes.outcome, [...names]), gte(outcomes.occurredAt, sinceMs)))
    .orderBy(asc(outcomes.occurredAt))
    .limit(1);
  return row;
}

/**
 * Moves a running clock on, only if it is still running and still `expectedOwner`'s
 * (a second firing of the same clock changes nothing).
 */
export function settleSlaStatement(
  db: Database,
  eventId: string,
  expectedOwner: string,
  update: { status: SlaStatus; ownerId?: string; dueAt?: number; reassignments?: number; history: SlaHistoryEntry[]; at: number },
): BuiltStatement {
  return db
    .update(slaTimers)
    .set({
      status: update.status,
      ...(update.ownerId === undefined ? {} : { ownerId: update.ownerId }),
      ...(update.dueAt === undefined ? {} : { dueAt: update.dueAt }),
      ...(update.reassignments === undefined ? {} : { reassignments: update.reassignments }),
      history: JSON.stringify(update.history),
      updatedAt: update.at,
    })
    .where(and(eq(slaTimers.eventId, eventId), eq(slaTimers.status, "running"), eq(slaTimers.ownerId, expectedOwner)));
}

export function historyOf(row: Pick<SlaTimerRow, "history">): SlaHistoryEntry[] {
  try {
    // Our own JSON, written by startSlaStatement and settleSlaStatement.
    const parsed: unknown = JSON.parse(row.history);
    return Array.isArray(parsed) ? (parsed as SlaHistoryEntry[]) : [];
  } catch {
    return [];
  }
}

/**
 * The outcome names that count as `until` having happened: it and every later step
 * of the funnel. An SLA waiting for `contacted` stops at any of them, and the KPIs'
 * "first touch" is the first of `stoppingOutcomes("contacted")`.
 */
export function stoppingOutcomes(until: OutcomeName): OutcomeName[] {
  return outcomeNames.slice(outcomeNames.indexOf(until));
}

/** The upsert deliveries of an event: the CRMs its lead was written to. */
export async function upsertDeliveriesOf(db: Database, eventId: string): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.action, "upsert")));
}

/** Every delivery of an event, for a notification built from one of them. */
export async function deliveriesOf(db: Database, eventId: string): Promise<DeliveryRow[]> {
  return db.select().from(deliveries).where(eq(deliveries.eventId, eventId));
}

/** The event and its lead take the new owner (the lead only if it still has the old one). */
export function reassignStatements(db: Database, eventId: string, leadId: string, from: string, to: string, nowMs: number): BuiltStatement[] {
  return [
    db.update(events).set({ ownerId: to, updatedAt: nowMs }).where(eq(events.id, eventId)),
    db
      .update(leads)
      .set({ ownerId: to, updatedAt: nowMs })
      .where(and(eq(leads.id, leadId), eq(leads.ownerId, from))),
  ];
}
