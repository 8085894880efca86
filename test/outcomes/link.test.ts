import { describe, expect, it } from "vitest";
import type { CreditedEvent, OutcomeLookups } from "../../src/db/outcomes";
import { type LinkContext, linkReport } from "../../src/outcomes/link";
import type { OutcomeReport } from "../../src/outcomes/types";

/** In-memory lookups: the linking rules, without D1. */
function lookups(over: Partial<OutcomeLookups> = {}): OutcomeLookups {
  return {
    eventById: async () => undefined,
    leadIdByEmail: async () => undefined,
    leadIdByExternalId: async () => undefined,
    leadExists: async () => false,
    creditedEvent: async () => undefined,
    recordedBy: async () => undefined,
    ...over,
  };
}

const routed: CreditedEvent = { id: "evt_LATEST", routeId: "inbound", experiment: null, arm: null, ownerId: "101", receivedAt: 1_000 };
const context = (l: OutcomeLookups, crm: Partial<LinkContext["crmDestinations"]> = {}): LinkContext => ({
  lookups: l,
  crmDestinations: { hubspot: [], salesforce: [], pipedrive: [], ...crm },
  receivedAt: 5_000,
});
const report = (keys: OutcomeReport["keys"], occurredAt?: number): OutcomeReport => ({ item: 0, outcome: "won", keys, read: "test", occurredAt });

describe("linking a report", () => {
  it("says a CRM id cannot match when no destination of that CRM is configured, then tries the email", async () => {
    const traced = await linkReport(
      report({ crm: { type: "hubspot", recordId: "501" }, email: "ada@example.com" }),
      context(lookups({ leadIdByEmail: async () => "lead_ADA", creditedEvent: async () => routed })),
    );
    expect(traced).toMatchObject({
      result: "recorded",
      match: { by: "email" },
      tried: ["hubspot record 501: no hubspot destination is configured"],
      creditedEventId: "evt_LATEST",
    });
  });

  it("asks for the lead's routed event at the outcome's time, else at the report's arrival", async () => {
    const asked: number[] = [];
    const l = lookups({ leadExists: async () => true, creditedEvent: async (_lead, at) => (asked.push(at), routed) });
    await linkReport(report({ leadId: "lead_A" }, 2_000), context(l));
    await linkReport(report({ leadId: "lead_A" }), context(l));
    expect(asked).toEqual([2_000, 5_000]);
  });

  it("credits a named event that was routed, even when a later one exists", async () => {
    const named = { ...routed, id: "evt_NAMED", routeId: "old-route", leadId: "lead_A" };
    const traced = await linkReport(report({ eventId: "evt_NAMED" }), context(lookups({ eventById: async () => named, creditedEvent: async () => routed })));
    expect(traced).toMatchObject({ match: { by: "event_id" }, creditedEventId: "evt_NAMED", routeId: "old-route" });
  });

  it("leaves a lead that was never routed unmatched, naming the lead", async () => {
    const traced = await linkReport(report({ email: "ada@example.com" }), context(lookups({ leadIdByEmail: async () => "lead_ADA" })));
    expect(traced).toMatchObject({ result: "unmatched", leadId: "lead_ADA", reason: "Lead lead_ADA has no routed event to credit." });
  });
});
