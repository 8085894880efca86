import { describe, expect, it } from "vitest";
import { outcomeFeedbackSchema } from "../../src/config/schema";
import { parseOutcomes } from "../../src/outcomes/formats";
import type { ParsedOutcomes } from "../../src/outcomes/types";

const settings = (input: unknown) => outcomeFeedbackSchema.parse(input);
const ok = (parsed: ParsedOutcomes) => {
  if (!parsed.ok) throw new Error(`expected a readable payload: ${parsed.reason}`);
  return parsed;
};

describe("generic reports", () => {
  const generic = settings({ format: "generic" });

  it("reads one object, a list and { outcomes: [...] }, lower-casing emails and reading ISO or epoch-ms times", () => {
    const one = ok(parseOutcomes({ email: "Ada@Example.com", outcome: "won", occurredAt: "2026-03-01T10:00:00Z" }, generic));
    expect(one.reports).toEqual([
      { item: 0, outcome: "won", occurredAt: Date.parse("2026-03-01T10:00:00Z"), keys: { email: "ada@example.com" }, read: "won for email ada@example.com" },
    ]);
    const list = ok(
      parseOutcomes(
        [
          { leadId: "lead_1", outcome: "qualified", occurredAt: 1767225600000 },
          { eventId: "evt_2", outcome: "lost" },
        ],
        generic,
      ),
    );
    expect(list.reports.map((r) => [r.item, r.outcome, r.keys, r.occurredAt])).toEqual([
      [0, "qualified", { leadId: "lead_1" }, 1767225600000],
      [1, "lost", { eventId: "evt_2" }, undefined],
    ]);
    const wrapped = ok(parseOutcomes({ outcomes: [{ email: "a@b.dev", outcome: "meeting_booked" }] }, generic));
    expect(wrapped.reports[0]?.outcome).toBe("meeting_booked");
  });

  it("skips items that name no lead or no known outcome, as malformed, and keeps the rest", () => {
    const parsed = ok(parseOutcomes([{ outcome: "won" }, { email: "a@b.dev", outcome: "closed" }, { email: "c@d.dev", outcome: "won" }], generic));
    expect(parsed.reports.map((r) => r.item)).toEqual([2]);
    expect(parsed.skipped).toEqual([
      { item: 0, kind: "malformed", reason: expect.stringContaining("name the lead") },
      { item: 1, kind: "malformed", reason: expect.stringContaining("outcome") },
    ]);
  });

  it("refuses a payload that is not an object or a list", () => {
    expect(parseOutcomes("won", generic)).toEqual({ ok: false, reason: expect.stringContaining("Expected") });
    expect(parseOutcomes({ outcomes: "won" }, generic).ok).toBe(false);
  });
});

describe("HubSpot contact property changes", () => {
  // The body of one webhook request: a JSON array of events (HubSpot Webhooks API v3).
  const delivery = [
    {
      eventId: 1001,
      subscriptionId: 2310,
      portalId: 62515,
      appId: 1160452,
      occurredAt: 1767225600000,
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId: 501,
      changeSource: "CRM_UI",
      propertyName: "lifecyclestage",
      propertyValue: "customer",
    },
    {
      eventId: 1002,
      subscriptionId: 2311,
      portalId: 62515,
      appId: 1160452,
      occurredAt: 1767225601000,
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId: 502,
      changeSource: "CRM_UI",
      propertyName: "hs_lead_status",
      propertyValue: "UNQUALIFIED",
    },
    {
      eventId: 1003,
      subscriptionId: 2310,
      portalId: 62515,
      appId: 1160452,
      occurredAt: 1767225602000,
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId: 503,
      changeSource: "CRM_UI",
      propertyName: "lifecyclestage",
      propertyValue: "marketingqualifiedlead",
    },
    {
      eventId: 1004,
      subscriptionId: 2312,
      portalId: 62515,
      appId: 1160452,
      occurredAt: 1767225603000,
      subscriptionType: "contact.propertyChange",
      attemptNumber: 0,
      objectId: 504,
      changeSource: "CRM_UI",
      propertyName: "firstname",
      propertyValue: "Ada",
    },
    {
      eventId: 1005,
      subscriptionId: 2313,
      portalId: 62515,
      appId: 1160452,
      occurredAt: 1767225604000,
      subscriptionType: "contact.creation",
      attemptNumber: 0,
      objectId: 505,
      changeSource: "CRM_UI",
    },
    {
      eventId: 1006,
      subscriptionId: 2314,
      portalId: 62515,
      appId: 1160452,
      occurredAt: 1767225605000,
      subscriptionType: "object.propertyChange",
      objectTypeId: "0-1",
      objectId: 506,
      propertyName: "lifecyclestage",
      propertyValue: "salesqualifiedlead",
    },
  ];

  it("reads watched properties with the default value map and says why the other events carry no outcome", () => {
    const parsed = ok(parseOutcomes(delivery, settings({ format: "hubspot" })));
    expect(parsed.reports.map((r) => [r.item, r.outcome, r.keys, r.occurredAt])).toEqual([
      [0, "won", { crm: { type: "hubspot", recordId: "501" } }, 1767225600000],
      [1, "lost", { crm: { type: "hubspot", recordId: "502" } }, 1767225601000],
      [5, "qualified", { crm: { type: "hubspot", recordId: "506" } }, 1767225605000],
    ]);
    expect(parsed.reports[0]?.read).toBe("contact 501: lifecyclestage = customer");
    expect(parsed.skipped.map((s) => [s.item, s.kind, s.reason])).toEqual([
      [2, "ignored", "lifecyclestage = 'marketingqualifiedlead' is not an outcome"],
      [3, "ignored", expect.stringContaining("property 'firstname' is not watched")],
      [4, "ignored", "contact.creation is not a contact property change"],
    ]);
  });

  it("lets the operator watch other properties and remap values, case-insensitively", () => {
    const custom = settings({ format: "hubspot", properties: ["lifecyclestage", "firstname"], values: { Customer: "qualified", ada: "meeting_booked" } });
    const parsed = ok(parseOutcomes(delivery, custom));
    expect(parsed.reports.map((r) => [r.item, r.outcome])).toEqual([
      [0, "qualified"],
      [3, "meeting_booked"],
      [5, "qualified"],
    ]);
  });

  it("marks a body that is not HubSpot's as malformed items", () => {
    const parsed = ok(parseOutcomes([{ hello: "world" }], settings({ format: "hubspot" })));
    expect(parsed.reports).toEqual([]);
    expect(parsed.skipped[0]).toMatchObject({ kind: "malformed" });
    expect(parseOutcomes(42, settings({ format: "hubspot" })).ok).toBe(false);
  });
});

describe("Salesforce lead change events", () => {
  const header = (changeType: string, changedFields: string[], recordIds = ["00Q5g00000AbCdEEAZ"]) => ({
    entityName: "Lead",
    recordIds,
    changeType,
    changedFields,
    changeOrigin: "com/salesforce/api/soap/60.0;client=SfdcInternalAPI/",
    transactionKey: "0005e192-9e62-2554-3880-3c3718bd6308",
    sequenceNumber: 1,
    commitTimestamp: 1767225600000,
    commitNumber: 74487681550,
    commitUser: "005RM000001hv4SYAQ",
  });

  it("reads a Status change from the Streaming API envelope, Event Relay's EventBridge envelope, a Pub/Sub payload and a bare payload", () => {
    const payload = {
      LastModifiedDate: "2026-01-01T00:00:00.000Z",
      Status: "Closed - Not Converted",
      ChangeEventHeader: header("UPDATE", ["Status", "LastModifiedDate"]),
    };
    const envelopes = [
      { data: { schema: "WsFvMM5T4XghRnIzNnyzBw", payload, event: { replayId: 32859 } }, channel: "/data/LeadChangeEvent" },
      {
        version: "0",
        id: "b5f1",
        "detail-type": "LeadChangeEvent",
        source: "aws.partner/salesforce.com/00D/0YL",
        time: "2026-01-01T00:00:00Z",
        detail: { payload, schemaId: "WsFvMM5T4XghRnIzNnyzBw", id: "e981" },
      },
      { payload },
      payload,
    ];
    for (const envelope of envelopes) {
      const parsed = ok(parseOutcomes(envelope, settings({ format: "salesforce" })));
      expect(parsed.reports).toEqual([
        {
          item: 0,
          outcome: "lost",
          occurredAt: 1767225600000,
          keys: { crm: { type: "salesforce", recordId: "00Q5g00000AbCdEEAZ" }, email: undefined },
          read: "Lead 00Q5g00000AbCdEEAZ UPDATE: Status = Closed - Not Converted",
        },
      ]);
    }
  });

  it("defaults: Qualified and Closed - Converted are qualified; a merged event gives one report per record; values override", () => {
    const converted = { Status: "Closed - Converted", IsConverted: true, ChangeEventHeader: header("UPDATE", ["Status", "IsConverted"], ["00Q1", "00Q2"]) };
    expect(ok(parseOutcomes(converted, settings({ format: "salesforce" }))).reports.map((r) => [r.outcome, r.keys.crm?.recordId])).toEqual([
      ["qualified", "00Q1"],
      ["qualified", "00Q2"],
    ]);
    expect(ok(parseOutcomes(converted, settings({ format: "salesforce", values: { "Closed - Converted": "won" } }))).reports[0]?.outcome).toBe("won");
  });

  it("ignores updates that did not change Status (an enriched Status rides along), deletes, and statuses that are not outcomes", () => {
    const parsed = ok(
      parseOutcomes(
        [
          { Status: "Qualified", Phone: "+1 415", ChangeEventHeader: header("UPDATE", ["Phone"]) },
          { ChangeEventHeader: header("DELETE", []) },
          { Status: "Open - Not Contacted", ChangeEventHeader: header("UPDATE", ["Status"]) },
          { Status: "Qualified", Email: "Ada@Example.com", ChangeEventHeader: header("CREATE", []) },
        ],
        settings({ format: "salesforce" }),
      ),
    );
    expect(parsed.reports.map((r) => [r.item, r.outcome, r.keys.email])).toEqual([[3, "qualified", "ada@example.com"]]);
    expect(parsed.skipped.map((s) => s.reason)).toEqual([
      "Lead UPDATE did not change Status",
      "Lead DELETE carries no status change",
      "Status = 'Open - Not Contacted' is not an outcome",
    ]);
  });

  it("reads a flat Platform Event with a record id or an email", () => {
    const parsed = ok(
      parseOutcomes(
        [
          { LeadId__c: "00Q5g00000AbCdEEAZ", Status__c: "Unqualified", CreatedDate: "2026-01-02T00:00:00Z" },
          { email: "grace@hopper.dev", status: "qualified" },
          { Status__c: "Qualified" },
        ],
        settings({ format: "salesforce" }),
      ),
    );
    expect(parsed.reports.map((r) => [r.outcome, r.keys, r.occurredAt])).toEqual([
      ["lost", { crm: { type: "salesforce", recordId: "00Q5g00000AbCdEEAZ" }, email: undefined }, Date.parse("2026-01-02T00:00:00Z")],
      ["qualified", { crm: undefined, email: "grace@hopper.dev" }, undefined],
    ]);
    expect(parsed.skipped).toEqual([{ item: 2, kind: "malformed", reason: expect.stringContaining("recordId") }]);
  });
});

describe("Pipedrive webhooks v2", () => {
  const dealChange = (data: Record<string, unknown>, previous: Record<string, unknown> | null) => ({
    meta: {
      action: "change",
      entity: "deal",
      version: "2.0",
      company_id: 12882925,
      user_id: 18487521,
      id: "6b1c1a5e-1f0a-4f9e-9d6e-1e2f3a4b5c6d",
      entity_id: "88",
      webhook_id: "99",
      webhook_owner_id: "18487521",
      attempt: 1,
      host: "acme.pipedrive.com",
      timestamp: "2026-01-01T00:00:00.000Z",
      change_source: "app",
    },
    data: {
      id: 88,
      title: "Ada deal",
      status: "open",
      stage_id: 1,
      pipeline_id: 1,
      owner_id: 18487521,
      person_id: 7,
      org_id: null,
      update_time: "2026-01-01T00:00:00Z",
      ...data,
    },
    previous,
  });

  it("reads a deal won or lost by its person, at the webhook's time", () => {
    const parsed = ok(parseOutcomes(dealChange({ status: "won" }, { status: "open" }), settings({ format: "pipedrive" })));
    expect(parsed.reports).toEqual([
      {
        item: 0,
        outcome: "won",
        occurredAt: Date.parse("2026-01-01T00:00:00.000Z"),
        keys: { crm: { type: "pipedrive", recordId: "7" } },
        read: "deal 88: status = won",
      },
    ]);
    expect(ok(parseOutcomes(dealChange({ status: "lost" }, { status: "open" }), settings({ format: "pipedrive" }))).reports[0]?.outcome).toBe("lost");
  });

  it("ignores a change that did not touch status, and maps stages and labels only through values", () => {
    const renamed = ok(parseOutcomes(dealChange({ status: "won", title: "renamed" }, { title: "Ada deal" }), settings({ format: "pipedrive" })));
    expect(renamed.reports).toEqual([]);
    expect(renamed.skipped[0]?.reason).toContain("no status, stage or label");

    const staged = dealChange({ stage_id: 3 }, { stage_id: 2 });
    expect(ok(parseOutcomes(staged, settings({ format: "pipedrive" }))).reports).toEqual([]);
    expect(ok(parseOutcomes(staged, settings({ format: "pipedrive", values: { "stage:3": "meeting_booked" } }))).reports.map((r) => r.outcome)).toEqual([
      "meeting_booked",
    ]);
  });

  it("reads a lead's new label and a person's new label (with the person's primary email), and the v1 shape", () => {
    const hot = "f4c2b8e0-5a1d-11ee-8c99-0242ac120002";
    const values = { [`label:${hot}`]: "qualified" as const };
    const lead = {
      meta: { action: "change", entity: "lead", entity_id: "adf21080-0e10-11eb-879b-05d71fb426ec", version: "2.0", timestamp: "2026-01-03T00:00:00Z" },
      data: { id: "adf21080-0e10-11eb-879b-05d71fb426ec", title: "Ada lead", person_id: 7, organization_id: null, label_ids: [hot], is_archived: false },
      previous: { label_ids: [] },
    };
    expect(ok(parseOutcomes(lead, settings({ format: "pipedrive", values }))).reports.map((r) => [r.outcome, r.keys])).toEqual([
      ["qualified", { crm: { type: "pipedrive", recordId: "7" } }],
    ]);

    const person = {
      meta: { action: "change", entity: "person", entity_id: "7", version: "2.0", timestamp: "2026-01-03T00:00:00Z" },
      data: {
        id: 7,
        name: "Ada",
        emails: [
          { value: "other@x.dev", primary: false },
          { value: "Ada@Example.com", primary: true },
        ],
        label_ids: [hot],
      },
      previous: { label_ids: [] },
    };
    expect(ok(parseOutcomes(person, settings({ format: "pipedrive", values }))).reports[0]?.keys).toEqual({
      crm: { type: "pipedrive", recordId: "7" },
      email: "ada@example.com",
    });

    const v1 = {
      v: 1,
      meta: { action: "updated", object: "deal", id: 88, timestamp: 1767225600 },
      current: { id: 88, status: "won", person_id: 7 },
      previous: { status: "open" },
      event: "updated.deal",
    };
    expect(ok(parseOutcomes(v1, settings({ format: "pipedrive" }))).reports.map((r) => [r.outcome, r.occurredAt])).toEqual([["won", 1767225600000]]);
  });

  it("ignores deletions and other entities, and marks non-Pipedrive bodies malformed", () => {
    const parsed = ok(
      parseOutcomes(
        [
          { meta: { action: "delete", entity: "deal", entity_id: "88" }, data: null, previous: { id: 88 } },
          { meta: { action: "change", entity: "activity", entity_id: "5" }, data: { id: 5 }, previous: null },
          { nope: true },
        ],
        settings({ format: "pipedrive" }),
      ),
    );
    expect(parsed.reports).toEqual([]);
    expect(parsed.skipped.map((s) => s.kind)).toEqual(["ignored", "ignored", "malformed"]);
  });
});
