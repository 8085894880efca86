import type { Database } from "../db/client";
import { type EventDecision, plannedDeliveryRows } from "../db/decisions";
import { insertDeliveriesStatements } from "../db/deliveries";
import type { BuiltStatement } from "../db/json-rows";
import { upsertLeadStatement } from "../db/leads";
import { matchKeys, recordedLeadId } from "../lead/match";
import type { Decision } from "./decision";

/** The owner a routed or unmatched decision records: the assigned one, else the matched lead's. */
function ownerOf(decision: Exclude<Decision, { status: "invalid" }>): string | undefined {
  return decision.status === "routed" ? decision.ownerId : (decision.match?.lead.ownerId ?? undefined);
}

/**
 * A decision's effect on its event: the new status with its reason or lead, owner
 * and trace. `leadId` is the lead the decision is recorded under (recordedLeadId).
 */
function eventDecisionOf(eventId: string, decision: Decision, nowMs: number, leadId: string | undefined): EventDecision {
  const trace = JSON.stringify(decision.trace);
  if (decision.status === "invalid") {
    return {
      id: eventId,
      status: "invalid",
      statusReason: decision.reason,
      lead: null,
      trace,
      routeId: null,
      experiment: null,
      arm: null,
      ownerId: null,
      leadId: null,
      decidedAt: nowMs,
    };
  }
  const routed = decision.status === "routed";
  const ownerId = ownerOf(decision);
  return {
    id: eventId,
    status: routed ? (decision.hold ? "held" : decision.deliveries.length > 0 ? "delivering" : "routed") : "unmatched",
    statusReason: null,
    lead: JSON.stringify(decision.lead),
    trace,
    routeId: routed ? decision.routeId : null,
    experiment: routed ? (decision.experiment?.route ?? null) : null,
    arm: routed ? (decision.experiment?.arm ?? null) : null,
    ownerId: ownerId ?? null,
    leadId: leadId ?? null,
    decidedAt: nowMs,
  };
}

/**
 * The rest of what a decision stores, besides its event row: the lead for later
 * matching, and the planned deliveries (INSERT OR IGNORE, so storing twice is
 * harmless).
 */
function leadAndDeliveryStatements(db: Database, eventId: string, decision: Decision, nowMs: number, leadId: string | undefined): BuiltStatement[] {
  if (decision.status === "invalid" || leadId === undefined) return [];
  const keys = matchKeys(decision.lead);
  const statements: BuiltStatement[] = [upsertLeadStatement(db, { id: leadId, keys, ownerId: ownerOf(decision), eventId, nowMs }, decision.match)];
  if (decision.status === "routed") {
    statements.push(...insertDeliveriesStatements(db, plannedDeliveryRows(eventId, decision.deliveries, leadId, keys.email, nowMs)));
  }
  return statements;
}

/**
 * Everything a decision stores, under one lead id: its event's new row values (for
 * `decideEventsQueries`, many events in one statement) and the statements for the
 * lead and the deliveries. The caller runs them all in one D1 batch (one
 * transaction), with other events' decisions.
 */
export function decisionRecord(
  db: Database,
  eventId: string,
  decision: Decision,
  nowMs: number,
  leadId: string | undefined = decision.status === "invalid" ? undefined : recordedLeadId(decision.match, nowMs),
): { event: EventDecision; statements: BuiltStatement[] } {
  return { event: eventDecisionOf(eventId, decision, nowMs, leadId), statements: leadAndDeliveryStatements(db, eventId, decision, nowMs, leadId) };
}
