import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { newId } from "../lib/ids";
import type { Decision } from "../routing/decide";
import { matchKeys } from "../routing/normalize";
import type { Database } from "./client";
import { insertDeliveriesStatements } from "./deliveries";
import { upsertLeadStatement } from "./leads";
import { events } from "./schema";

/**
 * The lead a decision is recorded under: the matched person (email or phone match),
 * else a new lead (a domain match is a new person at a known account). Undefined
 * for an invalid event, which has no lead.
 */
export function newLeadIdFor(decision: Decision, nowMs: number): string | undefined {
  if (decision.status === "invalid") return undefined;
  return decision.match && decision.match.by !== "domain" ? decision.match.lead.id : newId("lead", nowMs);
}

/**
 * The statements that store a decision: the event's new status with its lead and
 * trace, the lead for later matching, and the planned deliveries. The event only
 * moves if it is still `queued`, and deliveries are INSERT OR IGNORE, so a decision
 * stored twice (a redelivered message) changes nothing the second time. The caller
 * runs them in one D1 batch (one transaction), with other events' decisions.
 */
export function decisionStatements(
  db: Database,
  eventId: string,
  decision: Decision,
  nowMs: number,
  leadId: string | undefined = newLeadIdFor(decision, nowMs),
): BatchItem<"sqlite">[] {
  const trace = JSON.stringify(decision.trace);
  const statements: BatchItem<"sqlite">[] = [];
  if (decision.status === "invalid") {
    statements.push(
      db
        .update(events)
        .set({ status: "invalid", statusReason: decision.reason, trace, decidedAt: nowMs, updatedAt: nowMs })
        .where(and(eq(events.id, eventId), eq(events.status, "queued"))),
    );
  } else {
    const id = leadId ?? newId("lead", nowMs);
    const routed = decision.status === "routed";
    const ownerId = routed ? decision.ownerId : decision.match?.lead.ownerId ?? undefined;
    statements.push(
      db
        .update(events)
        .set({
          status: routed ? (decision.deliveries.length > 0 ? "delivering" : "routed") : "unmatched",
          lead: JSON.stringify(decision.lead),
          trace,
          routeId: routed ? decision.routeId : null,
          experiment: routed ? (decision.experiment?.route ?? null) : null,
          arm: routed ? (decision.experiment?.arm ?? null) : null,
          ownerId: ownerId ?? null,
          leadId: id,
          decidedAt: nowMs,
          updatedAt: nowMs,
        })
        .where(and(eq(events.id, eventId), eq(events.status, "queued"))),
      upsertLeadStatement(db, { id, keys: matchKeys(decision.lead), ownerId, eventId, nowMs }, decision.match),
    );
    if (routed) {
      statements.push(
        ...insertDeliveriesStatements(
          db,
          decision.deliveries.map((planned) => ({
            id: planned.delivery.deliveryId,
            eventId,
            destinationId: planned.destinationId,
            action: planned.action,
            status: "pending" as const,
            attempts: 0,
            payload: JSON.stringify(planned.delivery),
            nextAttemptAt: nowMs,
            createdAt: nowMs,
            updatedAt: nowMs,
          })),
        ),
      );
    }
  }
  return statements;
}
