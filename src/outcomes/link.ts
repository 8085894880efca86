import type { OutcomeLookups } from "../db/outcomes";
import type { MatchBy, ReportTrace } from "./trace";
import type { CrmType, OutcomeReport } from "./types";

export interface LinkContext {
  lookups: OutcomeLookups;
  /** Configured destination ids per CRM: a record id only means something within its CRM. */
  crmDestinations: Readonly<Record<CrmType, readonly string[]>>;
  /** When the report arrived: the outcome's time when the payload does not say. */
  receivedAt: number;
}

type NamedEvent = NonNullable<Awaited<ReturnType<OutcomeLookups["eventById"]>>>;
type Found = { leadId: string; by: MatchBy; value: string; destinationId?: string; event?: NamedEvent };

/**
 * Finds the lead a report is about, trying its keys from the most specific (our own
 * lead or event id) through the CRM record id (a delivery to that CRM got it back)
 * to the email; a key that finds nothing falls through to the next, and the trace
 * says why each failed. Then credits the lead's routed event: the latest received
 * at or before the outcome, else the latest. Reads only; the caller records.
 */
export async function linkReport(report: OutcomeReport, ctx: LinkContext): Promise<ReportTrace> {
  const occurredAt = report.occurredAt ?? ctx.receivedAt;
  const base = {
    item: report.item,
    outcome: report.outcome,
    read: report.read,
    occurredAt,
    occurredAtFrom: report.occurredAt === undefined ? ("received" as const) : ("payload" as const),
  };
  const tried: string[] = [];
  const found = await findLead(report, ctx, tried);
  if (!found) {
    return { ...base, result: "unmatched", tried, reason: tried.length > 0 ? `No lead found: ${tried.join("; ")}.` : "The report names no lead." };
  }
  const match = { by: found.by, value: found.value, ...(found.destinationId ? { destinationId: found.destinationId } : {}) };
  // An explicit event id that was routed is credited as named; otherwise the rule.
  const named = found.event?.routeId ? { ...found.event, routeId: found.event.routeId } : undefined;
  const credited = named ?? (await ctx.lookups.creditedEvent(found.leadId, occurredAt));
  if (!credited) {
    return { ...base, result: "unmatched", match, tried, leadId: found.leadId, reason: `Lead ${found.leadId} has no routed event to credit.` };
  }
  return {
    ...base,
    result: "recorded",
    match,
    tried,
    leadId: found.leadId,
    creditedEventId: credited.id,
    routeId: credited.routeId,
    experiment: credited.experiment,
    arm: credited.arm,
    ownerId: credited.ownerId,
  };
}

async function findLead(report: OutcomeReport, ctx: LinkContext, tried: string[]): Promise<Found | undefined> {
  const { keys } = report;
  const { lookups } = ctx;
  if (keys.leadId) {
    if (await lookups.leadExists(keys.leadId)) return { leadId: keys.leadId, by: "lead_id", value: keys.leadId };
    tried.push(`lead id ${keys.leadId}: no event carries it`);
  }
  if (keys.eventId) {
    const event = await lookups.eventById(keys.eventId);
    if (event?.leadId) return { leadId: event.leadId, by: "event_id", value: keys.eventId, event };
    tried.push(`event id ${keys.eventId}: ${event ? "that event has no lead (it was not mapped to one)" : "no such event"}`);
  }
  if (keys.crm) {
    const { type, recordId } = keys.crm;
    const destinations = ctx.crmDestinations[type];
    if (destinations.length === 0) {
      tried.push(`${type} record ${recordId}: no ${type} destination is configured`);
    } else {
      const delivery = await lookups.leadIdByExternalId(recordId, destinations);
      if (delivery?.leadId) return { leadId: delivery.leadId, by: "crm_record_id", value: recordId, destinationId: delivery.destinationId };
      tried.push(`${type} record ${recordId}: no delivery to ${destinations.join(", ")} got that id back`);
    }
  }
  if (keys.email) {
    const leadId = await lookups.leadIdByEmail(keys.email);
    if (leadId) return { leadId, by: "email", value: keys.email };
    tried.push(`email ${keys.email}: no lead has it`);
  }
  return undefined;
}
