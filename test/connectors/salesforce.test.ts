import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConnectorOptions } from "../../src/connectors/connector";
import { upsertLeads } from "../../src/connectors/salesforce";
import type { SalesforceDestination } from "../../src/connectors/salesforce-destination";
import { NOT_PROVIDED } from "../../src/connectors/salesforce-fields";
import type { LeadDelivery } from "../../src/connectors/types";
import type { FakeHandle } from "../fakes/client";
import type { SalesforceRecord } from "../fakes/salesforce";
import { delivery, jsonOf, privateFake, salesforceAuth } from "./fixtures";

const OWNER_A = "005000000000001AAA";
const OWNER_B = "005000000000002AAA";

let fake: FakeHandle;
let destination: SalesforceDestination;
let version = 0;
/** A new configuration version per test: the describe cache never crosses tests. */
let options: ConnectorOptions;

const COMPOSITE = "/services/data/v60.0/composite/sobjects/Lead/Email__c";

function sfDestination(handle: FakeHandle, extra: Partial<SalesforceDestination> = {}): SalesforceDestination {
  return {
    id: `salesforce-${crypto.randomUUID()}`,
    type: "salesforce",
    instanceUrl: handle.url,
    accessToken: handle.credentials.accessToken ?? "",
    apiVersion: "v60.0",
    object: "Lead",
    externalIdField: "Email__c",
    countryField: "CountryCode",
    stateField: "StateCode",
    allowSave: true,
    timeoutMs: 2000,
    maxAttempts: 8,
    ...extra,
  };
}

function oauth(handle: FakeHandle, extra: Partial<SalesforceDestination> = {}): SalesforceDestination {
  const { accessToken: _, instanceUrl: __, ...rest } = sfDestination(handle, extra);
  return { ...rest, auth: salesforceAuth(handle) };
}

async function one(dest: SalesforceDestination, lead: LeadDelivery, opts: ConnectorOptions = options) {
  const [outcome] = await upsertLeads(dest, [lead], opts);
  return outcome!;
}

const apiCalls = async (handle: FakeHandle, path = COMPOSITE) => (await handle.requests()).filter((r) => r.path === path);

beforeAll(async () => {
  fake = await privateFake("salesforce");
});
beforeEach(async () => {
  await fake.reset();
  destination = sfDestination(fake);
  options = { allowHttp: true, crmTokens: env.CRM_TOKENS, configVersion: ++version };
});

describe("Salesforce sObject Collections upsert", () => {
  it("PATCHes the collection URL with typed records keyed by Email__c, the bearer token and the duplicate-rule header", async () => {
    const lead = delivery(
      { email: "jane+sf@acme.example", phone: "+14155550100", country: "US", industry: "Software", employees: 40, custom: { state: "CA" } },
      { ownerId: OWNER_A, properties: { LeadSource: "Web" } },
    );
    const outcome = await one(destination, lead);
    expect(outcome).toMatchObject({ ok: true, status: 201, externalId: expect.stringMatching(/^00Q/) });

    const [describeCall, request] = await fake.requests();
    expect(describeCall).toMatchObject({ method: "GET", path: "/services/data/v60.0/sobjects/Lead/describe" });
    expect(request).toMatchObject({ method: "PATCH", path: COMPOSITE });
    expect(request?.headers.authorization).toBe(`Bearer ${destination.accessToken}`);
    expect(request?.headers["sforce-duplicate-rule-header"]).toBe("allowSave=true");
    expect(jsonOf(request!)).toEqual({
      allOrNone: false,
      records: [
        {
          attributes: { type: "Lead" },
          Email: "jane+sf@acme.example",
          Email__c: "jane+sf@acme.example",
          OwnerId: OWNER_A,
          FirstName: "Jane",
          LastName: "Doe",
          Phone: "+14155550100",
          Company: "Acme",
          CountryCode: "US",
          StateCode: "CA",
          Industry: "Software",
          NumberOfEmployees: 40,
          LeadSource: "Web",
        },
      ],
    });
  });

  it("creates (201) then updates (200, same id) the same record; the owner travels", async () => {
    const created = await one(destination, delivery({ email: "sam@acme.example" }, { ownerId: OWNER_A }));
    const updated = await one(destination, delivery({ email: "sam@acme.example", firstName: "Samuel" }, { ownerId: OWNER_B }));
    expect(created).toMatchObject({ ok: true, status: 201 });
    expect(updated).toMatchObject({ ok: true, status: 200 });
    expect(updated.ok && updated.externalId).toBe(created.ok && created.externalId);
    expect(updated.ok && JSON.parse(updated.excerpt)).toMatchObject({ success: true, created: false });
    const records = await fake.records<SalesforceRecord[]>();
    expect(records).toHaveLength(1);
    expect(records[0]?.fields).toMatchObject({ FirstName: "Samuel", OwnerId: OWNER_B, Email__c: "sam@acme.example" });
  });

  it("gives each record its own outcome: one bad owner id fails only its lead, in one call", async () => {
    const leads = [delivery(), delivery({}, { ownerId: "101" }), delivery()];
    const outcomes = await upsertLeads(destination, leads, options);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("MALFORMED_ID") });
    expect(await apiCalls(fake)).toHaveLength(1);
    expect(await fake.records<SalesforceRecord[]>()).toHaveLength(2);
  });

  it("sends at most 200 records per call", async () => {
    const leads = Array.from({ length: 250 }, () => delivery());
    const outcomes = await upsertLeads(destination, leads, options);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const calls = await apiCalls(fake);
    expect(calls.map((c) => (jsonOf(c) as { records: unknown[] }).records.length)).toEqual([200, 50]);
  });

  it("merges deliveries for one email in a batch into one record (Salesforce refuses a key twice per call)", async () => {
    const outcomes = await upsertLeads(
      destination,
      [delivery({ email: "twin@acme.example", firstName: "A" }), delivery({ email: "Twin@acme.example", firstName: "B" })],
      options,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    const records = await fake.records<SalesforceRecord[]>();
    expect(records).toHaveLength(1);
    expect(records[0]?.fields.FirstName).toBe("B");
  });

  it("fills documented placeholders for a Lead's required LastName and Company", async () => {
    await upsertLeads(
      destination,
      [
        delivery({ email: "anon@acme.example", lastName: undefined, company: undefined, domain: "acme.example" }),
        delivery({ email: "nobody@gmail.example", lastName: " ", company: undefined }),
      ],
      options,
    );
    const records = await fake.records<SalesforceRecord[]>();
    expect(records.map((r) => [r.fields.LastName, r.fields.Company])).toEqual([
      [NOT_PROVIDED, "acme.example"],
      [NOT_PROVIDED, NOT_PROVIDED],
    ]);
  });

  it("sends only Email, OwnerId and route properties to objects it has no mapping for", async () => {
    const account = await privateFake("salesforce", {
      objects: { Account: { externalIdFields: ["Email__c"], fields: ["Email", "OwnerId", "Email__c", "Name"], required: ["Name"], idPrefix: "001" } },
    });
    const dest = sfDestination(account, { object: "Account" });
    expect(await one(dest, delivery({ email: "acct@acme.example" }, { properties: { Name: "Acme" } }))).toMatchObject({ ok: true, status: 201 });
    const [call] = await apiCalls(account, "/services/data/v60.0/composite/sobjects/Account/Email__c");
    expect(jsonOf(call!)).toEqual({
      allOrNone: false,
      records: [{ attributes: { type: "Account" }, Email: "acct@acme.example", Email__c: "acct@acme.example", Name: "Acme" }],
    });
  });
});

describe("Salesforce field safety (the object's describe)", () => {
  it("sends the country to Country when the org has no State and Country/Territory Picklists, and says so", async () => {
    const plain = await privateFake("salesforce", { countryPicklists: false });
    const outcome = await one(sfDestination(plain), delivery({ country: "DE" }));
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && JSON.parse(outcome.excerpt).notes).toEqual(["CountryCode is not a field of Lead: sent as Country"]);
    expect((await plain.records<SalesforceRecord[]>())[0]?.fields).toMatchObject({ Country: "DE" });
  });

  it("leaves out a field the object does not have, notes it, and still saves the record", async () => {
    const outcome = await one(destination, delivery({}, { properties: { Colour__c: "teal" } }));
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.ok && JSON.parse(outcome.excerpt).notes).toEqual(["left out Colour__c: not a field of Lead"]);
  });

  it("clips text to the field's length and matches picklist values case-insensitively", async () => {
    const long = "J".repeat(60);
    const outcome = await one(destination, delivery({ firstName: long, industry: "software" }, { properties: { LeadSource: "partner referral" } }));
    expect(outcome.ok && JSON.parse(outcome.excerpt).notes).toEqual(["FirstName clipped to 40 characters"]);
    expect((await fake.records<SalesforceRecord[]>())[0]?.fields).toMatchObject({
      FirstName: "J".repeat(40),
      Industry: "Software",
      LeadSource: "Partner Referral",
    });
  });

  it("leaves out a value a restricted picklist does not have, and a non-number for a number field", async () => {
    const outcome = await one(destination, delivery({ custom: { state: "ZZ" } }, { properties: { AnnualRevenue: "lots" } }));
    expect(outcome.ok && JSON.parse(outcome.excerpt).notes).toEqual([
      'left out StateCode: "ZZ" is not one of its values',
      'left out AnnualRevenue: "lots" is not a number',
    ]);
  });

  it("reads the describe once per configuration version", async () => {
    await upsertLeads(destination, [delivery()], options);
    await upsertLeads(destination, [delivery()], options);
    await upsertLeads(destination, [delivery()], { ...options, configVersion: options.configVersion! + 1000 });
    expect(await apiCalls(fake, "/services/data/v60.0/sobjects/Lead/describe")).toHaveLength(2);
  });

  it("fails every lead of the batch when the describe is refused for good (unknown object), without an upsert", async () => {
    const outcomes = await upsertLeads({ ...destination, object: "Nope__c" }, [delivery(), delivery()], options);
    expect(outcomes).toEqual([
      expect.objectContaining({ ok: false, retryable: false, error: "describe Nope__c: HTTP 404 NOT_FOUND" }),
      expect.objectContaining({ ok: false, retryable: false }),
    ]);
    expect((await fake.requests()).map((r) => r.method)).toEqual(["GET"]);
  });
});

describe("Salesforce OAuth", () => {
  it("gets a token from tokenUrl (form-encoded refresh_token grant) and calls the instance_url it names", async () => {
    const dest = oauth(fake);
    expect(await one(dest, delivery())).toMatchObject({ ok: true, status: 201 });
    const [token, describeCall, upsert] = await fake.requests();
    expect(token).toMatchObject({ method: "POST", path: "/services/oauth2/token" });
    expect(token?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: "refresh_token",
      client_id: fake.credentials.clientId,
      client_secret: fake.credentials.clientSecret,
      refresh_token: fake.credentials.refreshToken,
    });
    expect(describeCall?.headers.authorization).toMatch(/^Bearer 00Dfake0000000001!issued\./);
    expect(upsert?.headers.authorization).toBe(describeCall?.headers.authorization);
  });

  it("refreshes on 401 INVALID_SESSION_ID and retries once: tokens that expire every 2 calls lose nothing", async () => {
    const short = await privateFake("salesforce", { tokenLifetimeCalls: 2 });
    const dest = oauth(short);
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await one(dest, delivery({ country: "GB" })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const records = await short.records<SalesforceRecord[]>();
    expect(records).toHaveLength(6);
    expect(records.every((r) => r.fields.CountryCode === "GB" && r.fields.Country === undefined)).toBe(true);
    const requests = await short.requests();
    const expired = requests.filter((r) => r.path !== "/services/oauth2/token").length - 7;
    expect(expired).toBeGreaterThan(0);
    expect(requests.filter((r) => r.path === "/services/oauth2/token")).toHaveLength(expired + 1);
  });

  it("keeps a rotated refresh token across the token object's restarts, encrypted", async () => {
    const rotating = await privateFake("salesforce", { tokenLifetimeCalls: 2, rotateRefreshTokens: true });
    const dest = oauth(rotating);
    for (let i = 0; i < 3; i++) expect(await one(dest, delivery())).toMatchObject({ ok: true });
    // Eviction: the access token in memory is gone, the stored refresh token is not.
    await abortAllDurableObjects();
    expect(await one(dest, delivery())).toMatchObject({ ok: true });
    const tokenBodies = (await rotating.requests())
      .filter((r) => r.path === "/services/oauth2/token")
      .map((r) => new URLSearchParams(r.body).get("refresh_token"));
    expect(tokenBodies.length).toBeGreaterThanOrEqual(3);
    expect(tokenBodies[0]).toBe(rotating.credentials.refreshToken);
    expect(tokenBodies.slice(1).every((t) => t?.startsWith("5Aep861fake.rotated."))).toBe(true);
    const stored = await runInDurableObject(env.CRM_TOKENS.getByName(dest.id), (_, state) => state.storage.get<{ token: string }>("rotated"));
    expect(stored?.token).toMatch(/^enc:v1:/);
  });

  it("asks for a new token when the destination's auth changes", async () => {
    const dest = oauth(fake);
    expect(await one(dest, delivery())).toMatchObject({ ok: true });
    const changed = { ...dest, auth: { ...salesforceAuth(fake), refreshToken: "5Aep861some-other-token" } };
    expect(await one(changed, delivery())).toMatchObject({ ok: false, retryable: false, error: "token endpoint: HTTP 400 invalid_grant" });
  });

  it("refreshes once for many concurrent callers whose token expired", async () => {
    const dest = oauth(fake);
    await one(dest, delivery());
    await fake.control("POST", "expire-tokens");
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => one(dest, delivery())));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect((await fake.requests()).filter((r) => r.path === "/services/oauth2/token")).toHaveLength(2);
  });

  it("uses the client credentials flow", async () => {
    const { auth: _, ...rest } = oauth(fake);
    const dest: SalesforceDestination = {
      ...rest,
      auth: {
        type: "client_credentials",
        tokenUrl: fake.credentials.tokenUrl ?? "",
        clientId: fake.credentials.clientId ?? "",
        clientSecret: fake.credentials.clientSecret ?? "",
      },
    };
    expect(await one(dest, delivery())).toMatchObject({ ok: true });
    const [token] = await fake.requests();
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toMatchObject({ grant_type: "client_credentials" });
  });

  it("fails permanently on invalid_grant (a revoked refresh token), without calling the API", async () => {
    await fake.control("POST", "revoke");
    const outcome = await one(oauth(fake), delivery());
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 400, error: "token endpoint: HTTP 400 invalid_grant" });
    expect(JSON.stringify(outcome)).not.toContain(fake.credentials.refreshToken ?? "?");
    expect((await fake.requests()).map((r) => r.path)).toEqual(["/services/oauth2/token"]);
  });

  it("retries when the token endpoint is unavailable", async () => {
    await fake.fault({ status: 503, path: "/services/oauth2/token" });
    expect(await one(oauth(fake), delivery())).toMatchObject({ ok: false, retryable: true, error: "token endpoint: HTTP 503" });
  });

  it("treats a fixed access token's 401 INVALID_SESSION_ID as permanent, one request", async () => {
    const outcome = await one({ ...destination, accessToken: "00Dwrong!token" }, delivery());
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 401, error: "describe Lead: HTTP 401 INVALID_SESSION_ID" });
    expect(JSON.stringify(outcome)).not.toContain("00Dwrong");
    expect(await fake.requests()).toHaveLength(1);
  });
});

describe("Salesforce record failures", () => {
  it("fails a lead whose email matches several records, naming them; the rest of the batch lands", async () => {
    const seeded = await fake.control<SalesforceRecord[]>("POST", "seed", [
      { object: "Lead", externalIdField: "Email__c", externalId: "dup@acme.example", fields: { LastName: "A", Company: "A" } },
      { object: "Lead", externalIdField: "Email__c", externalId: "dup@acme.example", fields: { LastName: "B", Company: "B" } },
    ]);
    const outcomes = await upsertLeads(destination, [delivery({ email: "dup@acme.example" }), delivery()], options);
    expect(outcomes[0]).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("DUPLICATE_EXTERNAL_ID") });
    for (const { Id } of seeded) expect(outcomes[0]?.ok === false && outcomes[0].error).toContain(Id);
    expect(outcomes[1]).toMatchObject({ ok: true, status: 201 });
  });

  it("splits a call refused as a whole (400) until the record that made it malformed fails alone", async () => {
    const dated = await privateFake("salesforce", {
      objects: {
        Lead: {
          externalIdFields: ["Email__c"],
          fields: ["LastName", "Company", "Email", "Email__c", { name: "Start__c", type: "date" }],
          required: ["LastName", "Company"],
          idPrefix: "00Q",
        },
      },
    });
    const leads = Array.from({ length: 8 }, (_, i) => delivery({}, { properties: { Start__c: i === 5 ? "next tuesday" : "2026-12-24" } }));
    let paced = 0;
    const outcomes = await upsertLeads(sfDestination(dated), leads, {
      ...options,
      pace: async () => {
        paced += 1;
      },
    });
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, true, false, true, true]);
    expect(outcomes[5]).toMatchObject({ ok: false, retryable: false, status: 400, error: "upsert: HTTP 400 JSON_PARSER_ERROR" });
    // Depth first: 8 refused → 4 saved, 4 refused → 2 refused → 1 saved, 1 refused → 2 saved.
    expect((await apiCalls(dated)).map((c) => (jsonOf(c) as { records: unknown[] }).records.length)).toEqual([8, 4, 4, 2, 1, 1, 2]);
    expect(await dated.records<SalesforceRecord[]>()).toHaveLength(7);
    // Every call after the first waits for the destination's limiter.
    expect(paced).toBe(6);
  });

  it("retries UNABLE_TO_LOCK_ROW", async () => {
    await fake.control("POST", "locks", { externalId: "locked@acme.example", count: 1 });
    const lead = delivery({ email: "locked@acme.example" });
    expect(await one(destination, lead)).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining("UNABLE_TO_LOCK_ROW") });
    expect(await one(destination, lead)).toMatchObject({ ok: true });
  });

  it("saves past an alerting duplicate rule with allowSave, and is refused without it, naming the match", async () => {
    const alerting = await privateFake("salesforce", { duplicateRule: "alert" });
    const first = await one(sfDestination(alerting), delivery({ email: "a@acme.example" }, { properties: { Email: "shared@acme.example" } }));
    const allowed = await one(sfDestination(alerting), delivery({ email: "b@acme.example" }, { properties: { Email: "shared@acme.example" } }));
    const refused = await one(
      sfDestination(alerting, { allowSave: false }),
      delivery({ email: "c@acme.example" }, { properties: { Email: "shared@acme.example" } }),
    );
    expect(allowed).toMatchObject({ ok: true });
    expect(refused).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("DUPLICATES_DETECTED") });
    expect(refused.ok === false && refused.error).toContain(first.ok ? first.externalId : "?");
    expect((await alerting.requests()).find((r) => r.method === "PATCH" && r.body.includes("c@acme"))?.headers["sforce-duplicate-rule-header"]).toBe(
      "allowSave=false",
    );
  });

  it("is refused by a blocking duplicate rule even with allowSave", async () => {
    const blocking = await privateFake("salesforce", { duplicateRule: "block" });
    await one(sfDestination(blocking), delivery({ email: "a@acme.example" }, { properties: { Email: "shared@acme.example" } }));
    expect(await one(sfDestination(blocking), delivery({ email: "b@acme.example" }, { properties: { Email: "shared@acme.example" } }))).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining("DUPLICATES_DETECTED"),
    });
  });

  it("retries a whole call's 429 with Retry-After, 5xx, and 403 REQUEST_LIMIT_EXCEEDED", async () => {
    await one(destination, delivery());
    await fake.fault([
      { status: 429, retryAfter: 4, path: COMPOSITE },
      { status: 503, path: COMPOSITE },
      { status: 403, path: COMPOSITE },
    ]);
    expect(await one(destination, delivery())).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 4, status: 429 });
    expect(await one(destination, delivery())).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(await one(destination, delivery())).toMatchObject({ ok: false, retryable: true, status: 403, error: "upsert: HTTP 403 REQUEST_LIMIT_EXCEEDED" });
    expect(await one(destination, delivery())).toMatchObject({ ok: true });
  });

  it("retries a response slower than timeoutMs, and a 2xx that is not one result per record", async () => {
    await one(destination, delivery());
    await fake.fault([
      { delayMs: 1000, path: COMPOSITE },
      { malformed: true, path: COMPOSITE },
    ]);
    expect(await one({ ...destination, timeoutMs: 150 }, delivery())).toMatchObject({ ok: false, retryable: true, error: "upsert: timeout after 150 ms" });
    expect(await one(destination, delivery())).toMatchObject({ ok: false, retryable: true, error: "malformed response: not one upsert result per record" });
  });

  it("fails a lead without email permanently, and refuses http:// unless allowed, without requests", async () => {
    expect(await one(destination, delivery({ email: undefined }))).toMatchObject({ ok: false, retryable: false });
    expect(await one(destination, delivery(), { ...options, allowHttp: false })).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("Salesforce fake contract", () => {
  const patch = (handle: FakeHandle, records: unknown[]) =>
    fetch(`${handle.url}${COMPOSITE}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${handle.credentials.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ allOrNone: false, records }),
    });

  it("refuses an ISO code in Country with FIELD_INTEGRITY_EXCEPTION and an over-long value with STRING_TOO_LONG, per record", async () => {
    const response = await patch(fake, [
      { attributes: { type: "Lead" }, Email__c: "x@acme.example", LastName: "X", Company: "X", Country: "US" },
      { attributes: { type: "Lead" }, Email__c: "y@acme.example", LastName: "Y".repeat(81), Company: "Y" },
      { attributes: { type: "Lead" }, Email__c: "z@acme.example", LastName: "Z", Company: "Z", Country: "United States" },
    ]);
    expect(response.status).toBe(200);
    const results = (await response.json()) as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((r) => r.errors[0]?.statusCode ?? "ok")).toEqual(["FIELD_INTEGRITY_EXCEPTION", "STRING_TOO_LONG", "ok"]);
  });

  it("refuses the whole call for an unknown field (400 INVALID_FIELD) and more than 200 records", async () => {
    const unknown = await patch(fake, [{ attributes: { type: "Lead" }, Email__c: "x@acme.example", Nope__c: 1 }]);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual([{ errorCode: "INVALID_FIELD", message: "No such column 'Nope__c' on sobject of type Lead" }]);
    const many = await patch(
      fake,
      Array.from({ length: 201 }, (_, i) => ({ attributes: { type: "Lead" }, Email__c: `${i}@acme.example` })),
    );
    expect(many.status).toBe(400);
    expect(await fake.records<SalesforceRecord[]>()).toHaveLength(0);
  });
});
