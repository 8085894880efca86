import { z } from "zod";
import type { OutcomeFeedbackConfig } from "../../config/schema";
import type { OutcomeReport, ParsedOutcomes, SkippedItem } from "../types";
import { epochMs, idText, outcomeFor, type ValueMap } from "../values";
import { issuesText, itemsOf } from "./items";

/** Contact properties read when the source does not list its own. */
export const hubspotDefaultProperties = ["lifecyclestage", "hs_lead_status"];

/**
 * Default meaning of the watched properties' values (internal names, as webhooks
 * send them). Lifecycle stages: a sales-qualified lead is qualified; `opportunity`
 * (HubSpot sets it when a deal is created for the contact) is the nearest stage to
 * a booked meeting; `customer` is won. Lead status: `ATTEMPTED_TO_CONTACT` and
 * `CONNECTED` are contacted (what an SLA waits for), `OPEN_DEAL` is qualified,
 * `UNQUALIFIED` lost. Other stages and statuses before qualification (subscriber,
 * lead, marketingqualifiedlead, NEW, OPEN, IN_PROGRESS, BAD_TIMING) are not outcomes.
 * Operators change any of these with `values`.
 */
export const hubspotDefaultValues: ValueMap = {
  ATTEMPTED_TO_CONTACT: "contacted",
  CONNECTED: "contacted",
  salesqualifiedlead: "qualified",
  opportunity: "meeting_booked",
  customer: "won",
  OPEN_DEAL: "qualified",
  UNQUALIFIED: "lost",
};

/**
 * One event of a webhook delivery (HubSpot posts a JSON array of up to 100):
 * `{ eventId, subscriptionId, portalId, appId, occurredAt (ms), subscriptionType,
 * attemptNumber, objectId, changeSource, propertyName, propertyValue }`. The newer
 * generic subscriptions say `object.propertyChange` with `objectTypeId` ("0-1" is
 * contacts).
 */
const hubspotEventSchema = z.object({
  subscriptionType: z.string(),
  objectTypeId: z.string().optional(),
  objectId: z.union([z.number(), z.string()]),
  propertyName: z.string().optional(),
  propertyValue: z.string().nullish(),
  occurredAt: z.number().optional(),
  eventId: z.union([z.number(), z.string()]).optional(),
});

const contactsTypeId = "0-1";

export function parseHubspot(payload: unknown, config: OutcomeFeedbackConfig): ParsedOutcomes {
  const items = itemsOf(payload);
  if (!items) return { ok: false, reason: "Expected HubSpot's webhook body: a JSON array of events." };
  const watched = new Set((config.properties ?? hubspotDefaultProperties).map((p) => p.toLowerCase()));
  const reports: OutcomeReport[] = [];
  const skipped: SkippedItem[] = [];
  items.forEach((raw, item) => {
    const parsed = hubspotEventSchema.safeParse(raw);
    if (!parsed.success) {
      skipped.push({ item, kind: "malformed", reason: `not a HubSpot webhook event (${issuesText(parsed.error.issues)})` });
      return;
    }
    const event = parsed.data;
    const isContactChange =
      event.subscriptionType === "contact.propertyChange" || (event.subscriptionType === "object.propertyChange" && event.objectTypeId === contactsTypeId);
    if (!isContactChange) {
      skipped.push({ item, kind: "ignored", reason: `${event.subscriptionType} is not a contact property change` });
      return;
    }
    const property = event.propertyName ?? "";
    if (!watched.has(property.toLowerCase())) {
      skipped.push({ item, kind: "ignored", reason: `property '${property}' is not watched (${[...watched].join(", ")})` });
      return;
    }
    const value = event.propertyValue ?? "";
    const outcome = outcomeFor(value, hubspotDefaultValues, config.values);
    const recordId = idText(event.objectId);
    if (!outcome || !recordId) {
      skipped.push({ item, kind: "ignored", reason: `${property} = '${value}' is not an outcome` });
      return;
    }
    reports.push({
      item,
      outcome,
      occurredAt: epochMs(event.occurredAt),
      keys: { crm: { type: "hubspot", recordId } },
      read: `contact ${recordId}: ${property} = ${value}`,
    });
  });
  return { ok: true, reports, skipped };
}
