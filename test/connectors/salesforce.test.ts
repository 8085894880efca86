import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SalesforceDestination } from "../../src/connectors/salesforce";
import { NOT_PROVIDED, upsertLead } from "../../src/connectors/salesforce";
import type { FakeHandle } from "../fakes/client";
import type { SalesforceRecord } from "../fakes/salesforce";
import { delivery, jsonOf, options, privateFake } from "./fixtures";

const OWNER_A = "005000000000001AAA";
const OWNER_B = "005000000000002AAA";

let fake: FakeHandle;
let destination: SalesforceDestination;

beforeAll(async () => {
  fake = await privateFake("salesforce");
});
beforeEach(async () => {
  await fake.reset();
  destination = {
    id: "salesforce",
    type: "salesforce",
    instanceUrl: fake.url,
    accessToken: fake.credentials.accessToken ?? "",
    apiVersion: "v60.0",
    object: "Lead",
    externalIdField: "Email__c",
    timeoutMs: 2000,
    maxAttempts: 8,
  };
});

describe("Salesforce upsert by External ID", () => {
  it("PATCHes the External ID URL with a JSON body of Lead fields and the bearer token", async () => {
    const lead = delivery(
      { email: "jane+sf@acme.example", phone: "+14155550100", country: "US", industry: "Software", employees: 40 },
      { ownerId: OWNER_A, properties: { LeadSource: "Web" } },
    );
    const outcome = await upsertLead(destination, lead, options);
    expect(outcome).toMatchObject({ ok: true, status: 201 });

    const [request] = await fake.requests();
    expect(request).toMatchObject({ method: "PATCH", path: "/services/data/v60.0/sobjects/Lead/Email__c/jane%2Bsf%40acme.example" });
    expect(request?.headers.authorization).toBe(`Bearer ${destination.accessToken}`);
    expect(jsonOf(request!)).toEqual({
      Email: "jane+sf@acme.example",
      OwnerId: OWNER_A,
      FirstName: "Jane",
      LastName: "Doe",
      Phone: "+14155550100",
      Company: "Acme",
      Country: "US",
      Industry: "Software",
      NumberOfEmployees: 40,
      LeadSource: "Web",
    });
  });

  it("creates (201) then updates (200, created: false, same id) the same record; the owner travels", async () => {
    const created = await upsertLead(destination, delivery({ email: "sam@acme.example" }, { ownerId: OWNER_A }), options);
    const updated = await upsertLead(destination, delivery({ email: "sam@acme.example", firstName: "Samuel" }, { ownerId: OWNER_B }), options);
    expect(created).toMatchObject({ ok: true, status: 201 });
    expect(updated).toMatchObject({ ok: true, status: 200 });
    expect(created.ok && updated.ok && updated.externalId).toBe(created.ok && created.externalId);
    expect(updated.ok && JSON.parse(updated.excerpt)).toMatchObject({ success: true, created: false });

    const records = await fake.records<SalesforceRecord[]>();
    expect(records).toHaveLength(1);
    expect(records[0]?.fields).toMatchObject({ FirstName: "Samuel", OwnerId: OWNER_B, Email__c: "sam@acme.example" });
  });

  it("accepts 204 without a body for updates before API v46.0", async () => {
    const old = { ...destination, apiVersion: "v45.0" };
    await upsertLead(old, delivery({ email: "old@acme.example" }), options);
    const updated = await upsertLead(old, delivery({ email: "old@acme.example" }), options);
    expect(updated).toMatchObject({ ok: true, status: 204, excerpt: "" });
    expect(updated.ok && updated.externalId).toBeUndefined();
  });

  it("fills documented placeholders for a Lead's required LastName and Company", async () => {
    await upsertLead(destination, delivery({ email: "anon@acme.example", lastName: undefined, company: undefined, domain: "acme.example" }), options);
    await upsertLead(destination, delivery({ email: "nobody@gmail.example", lastName: " ", company: undefined }), options);
    const records = await fake.records<SalesforceRecord[]>();
    expect(records.map((r) => [r.fields.LastName, r.fields.Company])).toEqual([
      [NOT_PROVIDED, "acme.example"],
      [NOT_PROVIDED, NOT_PROVIDED],
    ]);
  });

  it("sends only Email, OwnerId and route properties to objects it has no mapping for", async () => {
    const contact = await privateFake("salesforce", {
      objects: { Account: { externalIdFields: ["Email__c"], fields: ["Email", "OwnerId", "Email__c", "Name"], required: ["Name"], idPrefix: "001" } },
    });
    const dest = { ...destination, instanceUrl: contact.url, object: "Account" };
    const outcome = await upsertLead(dest, delivery({ email: "acct@acme.example" }, { properties: { Name: "Acme" } }), options);
    expect(outcome).toMatchObject({ ok: true, status: 201 });
    expect(jsonOf((await contact.requests())[0]!)).toEqual({ Email: "acct@acme.example", Name: "Acme" });
  });
});

describe("Salesforce failures", () => {
  it("treats an invalid access token as permanent (401 INVALID_SESSION_ID), one request", async () => {
    const outcome = await upsertLead({ ...destination, accessToken: "00Dwrong!token" }, delivery(), options);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 401, error: "HTTP 401 INVALID_SESSION_ID" });
    expect(JSON.stringify(outcome)).not.toContain("00Dwrong");
    expect(await fake.requests()).toHaveLength(1);
  });

  it("is rejected with REQUIRED_FIELD_MISSING when a route blanks a required field, permanently", async () => {
    const outcome = await upsertLead(destination, delivery({}, { properties: { Company: "" } }), options);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 400, error: "HTTP 400 REQUIRED_FIELD_MISSING" });
  });

  it("treats other 400s and 404s as permanent: malformed owner id, unknown field, unknown External ID field", async () => {
    expect(await upsertLead(destination, delivery({}, { ownerId: "101" }), options)).toMatchObject({ ok: false, retryable: false, error: "HTTP 400 MALFORMED_ID" });
    expect(await upsertLead(destination, delivery({}, { properties: { Colour__c: "teal" } }), options)).toMatchObject({ ok: false, retryable: false, error: "HTTP 400 INVALID_FIELD" });
    expect(await upsertLead({ ...destination, externalIdField: "Nope__c" }, delivery(), options)).toMatchObject({ ok: false, retryable: false, error: "HTTP 404 NOT_FOUND" });
    expect(await fake.records<SalesforceRecord[]>()).toHaveLength(0);
  });

  it("retries 429 with Retry-After, 5xx, and 403 REQUEST_LIMIT_EXCEEDED", async () => {
    await fake.fault([{ status: 429, retryAfter: 4 }, { status: 503 }, { status: 403 }]);
    expect(await upsertLead(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 4, status: 429 });
    expect(await upsertLead(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(await upsertLead(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, status: 403, error: "HTTP 403 REQUEST_LIMIT_EXCEEDED" });
    expect(await upsertLead(destination, delivery(), options)).toMatchObject({ ok: true });
  });

  it("retries a response slower than timeoutMs", async () => {
    await fake.fault({ delayMs: 1000 });
    expect(await upsertLead({ ...destination, timeoutMs: 150 }, delivery(), options)).toMatchObject({ ok: false, retryable: true, error: "timeout after 150 ms" });
  });

  it("counts a 2xx with an undocumented body as success, without an external id", async () => {
    await fake.fault({ malformed: true });
    const outcome = await upsertLead(destination, delivery(), options);
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(outcome.ok && outcome.externalId).toBeUndefined();
  });

  it("fails a lead without email permanently, and refuses http:// unless allowed, without requests", async () => {
    expect(await upsertLead(destination, delivery({ email: undefined }), options)).toMatchObject({ ok: false, retryable: false });
    expect(await upsertLead(destination, delivery(), { allowHttp: false })).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("Salesforce fake contract", () => {
  it("rejects a Lead created without LastName and Company with 400 REQUIRED_FIELD_MISSING", async () => {
    const response = await fetch(`${fake.url}/services/data/v60.0/sobjects/Lead/Email__c/x%40acme.example`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${destination.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ FirstName: "X", Email: "x@acme.example" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([
      { message: "Required fields are missing: [LastName, Company]", errorCode: "REQUIRED_FIELD_MISSING", fields: ["LastName", "Company"] },
    ]);
  });
});
