import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { OutcomeName } from "../config/schema";
import type { Database } from "./client";
import { inIdList } from "./id-list";
import type { BuiltStatement } from "./json-rows";
import { deliveries, events, leads, outcomes } from "./schema";

/** A lead's routed event as an outcome credits it: the route, arm and owner it went to. */
export interface CreditedEvent {
  id: string;
  routeId: string;
  experiment: string | null;
  arm: string | null;
  ownerId: string | null;
  receivedAt: number;
}

/** What linking needs to read; one implementation over D1 below. */
export interface OutcomeLookups {
  /** The event, its lead, and where it was routed (routeId null: not routed), if it exists. */
  eventById(id: string): Promise<(Omit<CreditedEvent, "routeId"> & { leadId: string | null; routeId: string | null }) | undefined>;
  leadIdByEmail(email: string): Promise<string | undefined>;
  /** The lead whose latest delivery to one of `destinationIds` got this CRM record id back. */
  leadIdByExternalId(
    recordId: string,
    destinationIds: readonly string[],
  ): Promise<{ leadId: string | null; eventId: string; destinationId: string } | undefined>;
  /** Whether any event carries this lead id. */
  leadExists(leadId: string): Promise<boolean>;
  /** The lead's latest routed event received at or before `atMs`, else its latest routed event. */
  creditedEvent(leadId: string, atMs: number): Promise<CreditedEvent | undefined>;
  /** The report event that recorded this outcome for this lead first, if one did. */
  recordedBy(leadId: string, outcome: OutcomeName): Promise<string | undefined>;
}

const creditedColumns = {
  id: events.id,
  routeId: events.routeId,
  experiment: events.experiment,
  arm: events.arm,
  ownerId: events.ownerId,
  receivedAt: events.receivedAt,
};

export function createOutcomeLookups(db: Database): OutcomeLookups {
  return {
    async eventById(id) {
      const [row] = await db
        .select({ ...creditedColumns, leadId: events.leadId })
        .from(events)
        .where(eq(events.id, id))
        .limit(1);
      return row;
    },
    async leadIdByEmail(email) {
      const [row] = await db.select({ id: leads.id }).from(leads).where(eq(leads.email, email)).limit(1);
      return row?.id;
    },
    async leadIdByExternalId(recordId, destinationIds) {
      if (destinationIds.length === 0) return undefined;
      // deliveries.external_id has no index of its own: the destination filter and
      // LIMIT keep this a scan of one CRM's rows (see docs/outcomes.md).
      const [row] = await db
        .select({ leadId: events.leadId, eventId: deliveries.eventId, destinationId: deliveries.destinationId })
        .from(deliveries)
        .innerJoin(events, eq(events.id, deliveries.eventId))
        .where(and(eq(deliveries.externalId, recordId), inIdList(deliveries.destinationId, destinationIds)))
        .orderBy(desc(deliveries.createdAt))
        .limit(1);
      return row;
    },
    async leadExists(leadId) {
      const [row] = await db.select({ id: events.id }).from(events).where(eq(events.leadId, leadId)).limit(1);
      return row !== undefined;
    },
    async creditedEvent(leadId, atMs) {
      const [row] = await db
        .select(creditedColumns)
        .from(events)
        .where(and(eq(events.leadId, leadId), isNotNull(events.routeId)))
        // Events before the outcome first (latest of them), then any later one.
        .orderBy(sql`case when ${events.receivedAt} <= ${atMs} then 0 else 1 end`, desc(events.receivedAt))
        .limit(1);
      return row?.routeId ? { ...row, routeId: row.routeId } : undefined;
    },
    async recordedBy(leadId, outcome) {
      const [row] = await db
        .select({ reportEventId: outcomes.reportEventId })
        .from(outcomes)
        .where(and(eq(outcomes.leadId, leadId), eq(outcomes.outcome, outcome)))
        .limit(1);
      return row?.reportEventId;
    },
  };
}

export type NewOutcome = typeof outcomes.$inferInsert;

/**
 * INSERT OR IGNORE on (lead, outcome): the first report of an outcome is the one
 * that counts, so a repeated webhook or a redelivered queue message changes nothing.
 */
export function recordOutcomeStatement(db: Database, row: NewOutcome): BuiltStatement {
  return db.insert(outcomes).values(row).onConflictDoNothing();
}

/**
 * The report event's verdict. Only a `queued` event moves, as with decisions
 * (src/db/decisions.ts): a second run of the same message finds it settled.
 */
export function settleReportStatement(
  db: Database,
  eventId: string,
  verdict: { status: "recorded" | "unmatched" | "invalid"; reason: string | null; trace: string; nowMs: number },
): BuiltStatement {
  return db
    .update(events)
    .set({ status: verdict.status, statusReason: verdict.reason, trace: verdict.trace, decidedAt: verdict.nowMs, updatedAt: verdict.nowMs })
    .where(and(eq(events.id, eventId), eq(events.status, "queued")));
}
