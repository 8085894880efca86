import { beforeAll, describe, expect, it } from "vitest";
import { queueNames } from "../../src/queue/messages";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { configure, eventsOf, postSigned, routeAndDeliver, routeQueued, runQueue, standardSecret } from "../helpers";
import { externalIdOf, latestEvent, outcomesOfLead, postHubspot, traceOf } from "./helpers";

const hubspotSecret = "hubspot-app-client-secret";
let hubspot: FakeHandle;
let salesforce: FakeHandle;
let pipedrive: FakeHandle;

const signed = { provider: "standard-webhooks" as const, secrets: [standardSecret] };
const form = (email: string, crm: string) => ({ email, first_name: "Ada", last_name: "Lovelace", company: "Analytical Engines", crm });

beforeAll(async () => {
  [hubspot, salesforce, pipedrive] = await Promise.all([privateFake("hubspot"), privateFake("salesforce"), privateFake("pipedrive")]);
  await configure({
    sources: [
      { id: "forms", ...signed, mapping: { email: "email", firstName: "first_name", lastName: "last_name", company: "company", crm: "crm" } },
      { id: "crm-generic", ...signed, kind: "outcomes", outcomes: { format: "generic" } },
      { id: "crm-hubspot", provider: "hubspot", secrets: [hubspotSecret], kind: "outcomes", outcomes: { format: "hubspot" } },
      { id: "crm-salesforce", ...signed, kind: "outcomes", outcomes: { format: "salesforce" } },
      { id: "crm-pipedrive", ...signed, kind: "outcomes", outcomes: { format: "pipedrive" } },
    ],
    pools: [
      { id: "ae", members: [{ ownerId: "101" }] },
      { id: "sdr", members: [{ ownerId: "102" }] },
    ],
    destinations: [
      { id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url },
      {
        id: "salesforce",
        type: "salesforce",
        instanceUrl: salesforce.url,
        accessToken: salesforce.credentials.accessToken ?? "",
        externalIdField: salesforce.credentials.externalIdField ?? "Email__c",
      },
      { id: "pipedrive", type: "pipedrive", apiToken: pipedrive.credentials.apiToken ?? "", baseUrl: pipedrive.url },
    ],
    routes: [
      {
        id: "to-hubspot",
        when: { all: [{ field: "custom.crm", op: "eq", value: "hubspot" }] },
        actions: [{ upsert: { destination: "hubspot" } }],
        split: [
          { arm: "ae-first", weight: 1, actions: [{ assign: { pool: "ae" } }] },
          { arm: "sdr-first", weight: 1, actions: [{ assign: { pool: "sdr" } }] },
        ],
      },
      { id: "to-salesforce", when: { all: [{ field: "custom.crm", op: "eq", value: "salesforce" }] }, actions: [{ upsert: { destination: "salesforce" } }] },
      { id: "to-pipedrive", when: { all: [{ field: "custom.crm", op: "eq", value: "pipedrive" }] }, actions: [{ upsert: { destination: "pipedrive" } }] },
      { id: "rest", when: { always: true }, actions: [] },
    ],
  });
});

/** Posts a lead through the real ingest, routing and delivery; returns its routed event. */
async function routedLead(email: string, crm: string) {
  expect((await postSigned("forms", form(email, crm))).status).toBe(202);
  await routeAndDeliver("forms");
  const event = (await eventsOf("forms")).at(-1);
  if (!event?.leadId || !event.routeId) throw new Error(`lead not routed: ${JSON.stringify(event)}`);
  return event;
}

describe("generic reports, through the real pipeline", () => {
  it("links an outcome by email to the lead's routed event, and through it to route, arm and owner", async () => {
    const lead = await routedLead("ada@example.com", "hubspot");
    expect((await postSigned("crm-generic", { email: "ADA@example.com", outcome: "meeting_booked", occurredAt: new Date().toISOString() })).status).toBe(202);
    const report = await latestEvent("crm-generic");

    expect(report.status).toBe("recorded");
    expect(report.statusReason).toBeNull();
    const rows = await outcomesOfLead(lead.leadId ?? "");
    expect(rows).toEqual([expect.objectContaining({ outcome: "meeting_booked", leadEventId: lead.id, reportEventId: report.id })]);
    const [entry] = traceOf(report).reports;
    expect(entry).toMatchObject({
      result: "recorded",
      match: { by: "email", value: "ada@example.com" },
      leadId: lead.leadId,
      creditedEventId: lead.id,
      routeId: "to-hubspot",
      experiment: "to-hubspot",
      arm: lead.arm,
      ownerId: lead.ownerId,
      occurredAtFrom: "payload",
    });
    expect(lead.ownerId).toBe(lead.arm === "ae-first" ? "101" : "102");
  });

  it("links by lead id and by event id, taking the report's arrival time when it gives none", async () => {
    const lead = await routedLead("grace@hopper.dev", "none");
    await postSigned("crm-generic", [
      { leadId: lead.leadId, outcome: "qualified" },
      { eventId: lead.id, outcome: "lost" },
    ]);
    const report = await latestEvent("crm-generic");
    expect(report.status).toBe("recorded");
    expect((await outcomesOfLead(lead.leadId ?? "")).map((r) => [r.outcome, r.leadEventId, r.occurredAt])).toEqual([
      ["lost", lead.id, report.receivedAt],
      ["qualified", lead.id, report.receivedAt],
    ]);
    expect(traceOf(report).reports.map((r) => [r.match?.by, r.routeId, r.occurredAtFrom])).toEqual([
      ["lead_id", "rest", "received"],
      ["event_id", "rest", "received"],
    ]);
  });

  it("credits the lead's latest routed event received before the outcome, not a later one", async () => {
    const first = await routedLead("twice@acme.dev", "none");
    const between = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await routedLead("twice@acme.dev", "salesforce");
    expect(second.leadId).toBe(first.leadId);

    await postSigned("crm-generic", { email: "twice@acme.dev", outcome: "qualified", occurredAt: between });
    const report = await latestEvent("crm-generic");
    expect(traceOf(report).reports[0]).toMatchObject({ creditedEventId: first.id, routeId: "rest" });

    await postSigned("crm-generic", { email: "twice@acme.dev", outcome: "won" });
    const later = await latestEvent("crm-generic");
    expect(traceOf(later).reports[0]).toMatchObject({ creditedEventId: second.id, routeId: "to-salesforce" });
  });

  it("records a repeated report once: a second webhook and a redelivered routing message change nothing", async () => {
    const lead = await routedLead("repeat@acme.dev", "none");
    await postSigned("crm-generic", { email: "repeat@acme.dev", outcome: "won", occurredAt: "2026-01-01T00:00:00Z" });
    const first = await latestEvent("crm-generic");
    await postSigned("crm-generic", [
      { email: "repeat@acme.dev", outcome: "won", occurredAt: "2026-02-01T00:00:00Z" },
      { email: "repeat@acme.dev", outcome: "won" },
    ]);
    const second = await latestEvent("crm-generic");
    // The same message again, as the queue may redeliver it.
    await runQueue(queueNames.routing, [{ eventId: second.id, sourceId: "crm-generic" }], 2);

    const rows = await outcomesOfLead(lead.leadId ?? "");
    expect(rows).toEqual([expect.objectContaining({ outcome: "won", reportEventId: first.id, occurredAt: Date.parse("2026-01-01T00:00:00Z") })]);
    expect(second.status).toBe("recorded");
    expect(traceOf(second).reports.map((r) => [r.result, r.firstReportedBy])).toEqual([
      ["already_recorded", first.id],
      ["already_recorded", first.id],
    ]);
    const again = (await eventsOf("crm-generic")).find((e) => e.id === second.id);
    expect(again?.trace).toBe(second.trace);
  });

  it("marks a report about an unknown lead unmatched, saying which keys were tried", async () => {
    await postSigned("crm-generic", [
      { email: "nobody@nowhere.dev", outcome: "won" },
      { leadId: "lead_UNKNOWN", eventId: "evt_UNKNOWN", outcome: "lost" },
    ]);
    const report = await latestEvent("crm-generic");
    expect(report.status).toBe("unmatched");
    expect(report.statusReason).toContain("nobody@nowhere.dev");
    expect(traceOf(report).reports.map((r) => [r.result, r.tried])).toEqual([
      ["unmatched", ["email nobody@nowhere.dev: no lead has it"]],
      ["unmatched", ["lead id lead_UNKNOWN: no event carries it", "event id evt_UNKNOWN: no such event"]],
    ]);
  });

  it("marks an unreadable payload invalid, with every item's problem in the trace", async () => {
    await postSigned("crm-generic", [{ status: "won" }, { email: "a@b.dev", outcome: "signed" }]);
    const report = await latestEvent("crm-generic");
    expect(report.status).toBe("invalid");
    expect(report.statusReason).toContain("Not a generic outcome payload");
    const trace = traceOf(report);
    expect(trace.error).toBe(report.statusReason);
    expect(trace.skipped.map((s) => s.kind)).toEqual(["malformed", "malformed"]);

    await postSigned("crm-generic", "won");
    expect((await latestEvent("crm-generic")).status).toBe("invalid");
  });
});

describe("CRM webhooks linked by the record id our delivery got back", () => {
  it("HubSpot: a contact's lifecycle stage becoming customer is a won lead, signed with HubSpot's v3 scheme", async () => {
    const lead = await routedLead("hub@acme.dev", "hubspot");
    const contactId = await externalIdOf(lead.id, "hubspot");
    const occurredAt = Date.now();
    const body = [
      {
        eventId: 3001,
        subscriptionId: 2310,
        portalId: 62515,
        appId: 1160452,
        occurredAt,
        subscriptionType: "contact.propertyChange",
        attemptNumber: 0,
        objectId: Number(contactId),
        changeSource: "CRM_UI",
        propertyName: "lifecyclestage",
        propertyValue: "customer",
      },
      {
        eventId: 3002,
        subscriptionId: 2312,
        portalId: 62515,
        appId: 1160452,
        occurredAt,
        subscriptionType: "contact.propertyChange",
        attemptNumber: 0,
        objectId: Number(contactId),
        changeSource: "CRM_UI",
        propertyName: "firstname",
        propertyValue: "Ada",
      },
    ];
    expect((await postHubspot("crm-hubspot", body, hubspotSecret)).status).toBe(202);
    const report = await latestEvent("crm-hubspot");

    expect(report.status).toBe("recorded");
    expect(await outcomesOfLead(lead.leadId ?? "")).toEqual([expect.objectContaining({ outcome: "won", leadEventId: lead.id, occurredAt })]);
    const trace = traceOf(report);
    expect(trace.reports[0]).toMatchObject({
      read: `contact ${contactId}: lifecyclestage = customer`,
      match: { by: "crm_record_id", value: contactId, destinationId: "hubspot" },
      routeId: "to-hubspot",
      arm: lead.arm,
      ownerId: lead.ownerId,
    });
    expect(trace.skipped).toEqual([{ item: 1, kind: "ignored", reason: expect.stringContaining("'firstname' is not watched") }]);
  });

  it("HubSpot: a delivery with no outcome in it leaves the event unmatched, saying so", async () => {
    await postHubspot(
      "crm-hubspot",
      [
        {
          eventId: 3003,
          subscriptionType: "contact.propertyChange",
          objectId: 1,
          propertyName: "lifecyclestage",
          propertyValue: "marketingqualifiedlead",
          occurredAt: Date.now(),
        },
      ],
      hubspotSecret,
    );
    const report = await latestEvent("crm-hubspot");
    expect(report.status).toBe("unmatched");
    expect(report.statusReason).toBe("No outcome in this payload: lifecyclestage = 'marketingqualifiedlead' is not an outcome");
  });

  it("Salesforce: a Lead change event whose Status became Closed - Not Converted is a lost lead", async () => {
    const lead = await routedLead("sf@acme.dev", "salesforce");
    const recordId = await externalIdOf(lead.id, "salesforce");
    const commitTimestamp = Date.now();
    await postSigned("crm-salesforce", {
      data: {
        schema: "WsFvMM5T4XghRnIzNnyzBw",
        payload: {
          LastModifiedDate: new Date(commitTimestamp).toISOString(),
          Status: "Closed - Not Converted",
          ChangeEventHeader: {
            entityName: "Lead",
            recordIds: [recordId],
            changeType: "UPDATE",
            changedFields: ["Status", "LastModifiedDate"],
            commitTimestamp,
            commitUser: "005RM000001hv4SYAQ",
            sequenceNumber: 1,
            transactionKey: "0005e192",
            commitNumber: 1,
          },
        },
        event: { replayId: 12 },
      },
      channel: "/data/LeadChangeEvent",
    });
    const report = await latestEvent("crm-salesforce");
    expect(report.status).toBe("recorded");
    expect(await outcomesOfLead(lead.leadId ?? "")).toEqual([expect.objectContaining({ outcome: "lost", leadEventId: lead.id, occurredAt: commitTimestamp })]);
    expect(traceOf(report).reports[0]).toMatchObject({
      match: { by: "crm_record_id", value: recordId, destinationId: "salesforce" },
      routeId: "to-salesforce",
    });
  });

  it("Salesforce: a record id no delivery got back falls through to the email", async () => {
    const lead = await routedLead("fallback@acme.dev", "none");
    await postSigned("crm-salesforce", { LeadId__c: "00Q000000000001AAA", Email__c: "Fallback@acme.dev", Status__c: "Qualified" });
    const report = await latestEvent("crm-salesforce");
    expect(report.status).toBe("recorded");
    expect(traceOf(report).reports[0]).toMatchObject({
      match: { by: "email", value: "fallback@acme.dev" },
      tried: ["salesforce record 00Q000000000001AAA: no delivery to salesforce got that id back"],
      creditedEventId: lead.id,
    });
  });

  it("Pipedrive: a deal won for the person our delivery created is a won lead", async () => {
    const lead = await routedLead("pipe@acme.dev", "pipedrive");
    const personId = await externalIdOf(lead.id, "pipedrive");
    await postSigned("crm-pipedrive", {
      meta: {
        action: "change",
        entity: "deal",
        entity_id: "42",
        version: "2.0",
        company_id: 1,
        user_id: 1,
        host: "acme.pipedrive.com",
        timestamp: "2026-01-05T10:00:00.000Z",
        change_source: "app",
        attempt: 1,
      },
      data: { id: 42, title: "Analytical Engines deal", status: "won", stage_id: 4, pipeline_id: 1, person_id: Number(personId), owner_id: 1 },
      previous: { status: "open" },
    });
    const report = await latestEvent("crm-pipedrive");
    expect(report.status).toBe("recorded");
    expect(await outcomesOfLead(lead.leadId ?? "")).toEqual([
      expect.objectContaining({ outcome: "won", leadEventId: lead.id, occurredAt: Date.parse("2026-01-05T10:00:00.000Z") }),
    ]);
    expect(traceOf(report).reports[0]).toMatchObject({
      read: "deal 42: status = won",
      match: { by: "crm_record_id", value: personId, destinationId: "pipedrive" },
      routeId: "to-pipedrive",
    });
  });

  it("Pipedrive: a person id no delivery got back is unmatched", async () => {
    await postSigned("crm-pipedrive", {
      meta: { action: "change", entity: "deal", entity_id: "43" },
      data: { id: 43, status: "lost", person_id: 999999 },
      previous: { status: "open" },
    });
    const report = await latestEvent("crm-pipedrive");
    expect(report.status).toBe("unmatched");
    expect(traceOf(report).reports[0]?.reason).toBe("No lead found: pipedrive record 999999: no delivery to pipedrive got that id back.");
  });

  it("sends no delivery messages for outcome events", async () => {
    await postSigned("crm-generic", { email: "hub@acme.dev", outcome: "qualified" });
    const { messages, result } = await routeQueued("crm-generic");
    expect(messages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
  });
});
