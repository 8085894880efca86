import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HubspotDestination } from "../../src/connectors/hubspot";
import { upsertLeads } from "../../src/connectors/hubspot";
import type { FakeHandle } from "../fakes/client";
import type { HubspotContact } from "../fakes/hubspot";
import { delivery, jsonOf, options, privateFake } from "./fixtures";

let fake: FakeHandle;
let destination: HubspotDestination;

beforeAll(async () => {
  fake = await privateFake("hubspot", { owners: ["101", "102"] });
});
beforeEach(async () => {
  await fake.reset();
  destination = { id: "hubspot", type: "hubspot", token: fake.credentials.token ?? "", baseUrl: fake.url, timeoutMs: 2000, maxAttempts: 8 };
});

interface BatchBody {
  inputs: { idProperty: string; id: string; properties: Record<string, string> }[];
}

describe("HubSpot batch upsert", () => {
  it("sends one batch call with email as idProperty, string properties and the bearer token", async () => {
    const lead = delivery(
      { email: "jane@acme.example", phone: "+14155550100", domain: "acme.example", country: "US", industry: "Software", employees: 40, score: 91 },
      { ownerId: "101", properties: { lifecyclestage: "marketingqualifiedlead" } },
    );
    const [outcome] = await upsertLeads(destination, [lead], options);
    expect(outcome).toMatchObject({ ok: true, status: 200 });

    const [request] = await fake.requests();
    expect(request).toMatchObject({ method: "POST", path: "/crm/v3/objects/contacts/batch/upsert" });
    expect(request?.headers.authorization).toBe(`Bearer ${destination.token}`);
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(jsonOf(request!)).toEqual({
      inputs: [
        {
          idProperty: "email",
          id: "jane@acme.example",
          properties: {
            email: "jane@acme.example",
            firstname: "Jane",
            lastname: "Doe",
            company: "Acme",
            phone: "+14155550100",
            website: "acme.example",
            country: "US",
            industry: "Software",
            hubspot_owner_id: "101",
            lifecyclestage: "marketingqualifiedlead",
          },
        },
      ],
    });
  });

  it("updates the same contact on a second upsert of the email, and the owner travels", async () => {
    const [first] = await upsertLeads(destination, [delivery({ email: "sam@acme.example", firstName: "Sam" }, { ownerId: "101" })], options);
    const [second] = await upsertLeads(destination, [delivery({ email: "SAM@acme.example", firstName: "Samuel" }, { ownerId: "102" })], options);
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true });
    expect(first?.ok && second?.ok && second.externalId).toBe(first?.ok && first.externalId);

    const contacts = await fake.records<HubspotContact[]>();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties).toMatchObject({ email: "sam@acme.example", firstname: "Samuel", hubspot_owner_id: "102" });
  });

  it("puts many leads into as few calls as the 100-input limit allows and maps results back by email", async () => {
    const deliveries = Array.from({ length: 150 }, (_, i) => delivery({ email: `bulk${i}@acme.example` }, { ownerId: "101" }));
    const outcomes = await upsertLeads(destination, deliveries, options);

    const requests = await fake.requests();
    expect(requests.map((r) => (jsonOf(r) as BatchBody).inputs.length)).toEqual([100, 50]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // The fake answers in reverse order; each outcome must still carry its own contact.
    const contacts = await fake.records<HubspotContact[]>();
    const idByEmail = new Map(contacts.map((c) => [c.properties.email, c.id]));
    outcomes.forEach((outcome, i) => {
      expect(outcome.ok && outcome.externalId).toBe(idByEmail.get(`bulk${i}@acme.example`));
    });
  });

  it("merges deliveries with the same email into one input (HubSpot rejects duplicate ids)", async () => {
    const a = delivery({ email: "dup@acme.example", firstName: "Ann" }, { ownerId: "101" });
    const b = delivery({ email: "dup@acme.example", firstName: "Anna", company: undefined }, { properties: { lifecyclestage: "lead" } });
    const outcomes = await upsertLeads(destination, [a, b], options);

    const [request] = await fake.requests();
    const body = jsonOf(request!) as BatchBody;
    expect(body.inputs).toHaveLength(1);
    expect(body.inputs[0]?.properties).toMatchObject({ firstname: "Anna", hubspot_owner_id: "101", company: "Acme", lifecyclestage: "lead" });
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toMatchObject({ ok: true });
  });

  it("maps a 207 back per contact: named results succeed, inputs named in errors fail permanently", async () => {
    const body = {
      status: "COMPLETE",
      results: [{ id: "7", properties: { email: "ok@acme.example" } }],
      numErrors: 1,
      errors: [{ status: "error", category: "VALIDATION_ERROR", message: "Property values were not valid", context: { ids: ["BAD@acme.example"] } }],
    };
    await fake.fault({ status: 207, body: JSON.stringify(body) });
    const outcomes = await upsertLeads(destination, [delivery({ email: "ok@acme.example" }), delivery({ email: "bad@acme.example" }), delivery({ email: "lost@acme.example" })], options);
    expect(outcomes[0]).toMatchObject({ ok: true, status: 207, externalId: "7" });
    expect(outcomes[1]).toMatchObject({ ok: false, retryable: false, status: 207, error: "HubSpot VALIDATION_ERROR for this contact" });
    expect(outcomes[2]).toMatchObject({ ok: false, retryable: true, error: "malformed response: contact missing from HubSpot's results" });
  });

  it("counts every input of a 200 without errors as written, even when a result does not echo its email", async () => {
    await fake.fault({ status: 200, body: JSON.stringify({ status: "COMPLETE", results: [{ id: "9", properties: {} }] }) });
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: true, status: 200 }]);
  });

  it("fails a lead without email permanently and sends the others", async () => {
    const outcomes = await upsertLeads(destination, [delivery({ email: undefined }), delivery()], options);
    expect(outcomes[0]).toMatchObject({ ok: false, retryable: false });
    expect(outcomes[1]).toMatchObject({ ok: true });
    expect(await fake.requests()).toHaveLength(1);

    expect(await upsertLeads(destination, [delivery({ email: undefined })], options)).toMatchObject([{ ok: false, retryable: false }]);
    expect(await fake.requests()).toHaveLength(1);
  });
});

describe("HubSpot failures", () => {
  it("treats a wrong token as permanent (401 INVALID_AUTHENTICATION), one request, no retry", async () => {
    const outcomes = await upsertLeads({ ...destination, token: "pat-wrong" }, [delivery(), delivery()], options);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: false, retryable: false, status: 401, error: "HTTP 401 INVALID_AUTHENTICATION" });
      expect(JSON.stringify(outcome)).not.toContain("pat-wrong");
    }
    expect(await fake.requests()).toHaveLength(1);
  });

  it("retries 429 and honours Retry-After", async () => {
    await fake.fault({ status: 429, count: 1, retryAfter: 2 });
    const [outcome] = await upsertLeads(destination, [delivery()], options);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterSeconds: 2, error: "HTTP 429 RATE_LIMIT" });
  });

  it("enforces the configured burst limit with HubSpot's 429 body and a Retry-After", async () => {
    const limited = await privateFake("hubspot", { rateLimit: { requests: 2, perMs: 10_000 } });
    const dest = { ...destination, baseUrl: limited.url, token: limited.credentials.token ?? "" };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(...(await upsertLeads(dest, [delivery()], options)));
    expect(outcomes.slice(0, 2).every((o) => o.ok)).toBe(true);
    expect(outcomes[2]).toMatchObject({ ok: false, retryable: true, status: 429 });
    const third = outcomes[2];
    expect(third?.ok === false && third.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(third?.ok === false && JSON.parse(third.excerpt ?? "{}")).toMatchObject({ errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" });
  });

  it("retries 5xx", async () => {
    await fake.fault({ status: 503, count: 2 });
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: false, retryable: true, status: 503 }]);
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: false, retryable: true, status: 503 }]);
    expect(await upsertLeads(destination, [delivery()], options)).toMatchObject([{ ok: true }]);
  });

  it("retries a response slower than timeoutMs", async () => {
    await fake.fault({ delayMs: 1000, count: 1 });
    const [outcome] = await upsertLeads({ ...destination, timeoutMs: 150 }, [delivery()], options);
    expect(outcome).toMatchObject({ ok: false, retryable: true, error: "timeout after 150 ms" });
  });

  it("retries a 2xx whose body is not a batch response (the upsert is idempotent)", async () => {
    await fake.fault({ malformed: true });
    const [outcome] = await upsertLeads(destination, [delivery()], options);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: 200 });
    expect(outcome?.ok === false && outcome.error).toMatch(/^malformed response/);
  });

  it("treats 400 validation errors as permanent (unknown property, invalid owner)", async () => {
    const [unknown] = await upsertLeads(destination, [delivery({}, { properties: { favourite_colour: "teal" } })], options);
    expect(unknown).toMatchObject({ ok: false, retryable: false, status: 400, error: "HTTP 400 VALIDATION_ERROR" });
    expect(unknown?.ok === false && unknown.excerpt).toContain("PROPERTY_DOESNT_EXIST");

    const [owner] = await upsertLeads(destination, [delivery({}, { ownerId: "999" })], options);
    expect(owner).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(owner?.ok === false && owner.excerpt).toContain("INVALID_OPTION");
    expect(await fake.records<HubspotContact[]>()).toHaveLength(0);
  });

  it("refuses http:// unless allowed, without a request", async () => {
    const [outcome] = await upsertLeads(destination, [delivery()], { allowHttp: false });
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("HubSpot fake contract", () => {
  it("rejects duplicate ids in one batch and non-email idProperty like the API", async () => {
    const send = (inputs: unknown[]) =>
      fetch(`${fake.url}/crm/v3/objects/contacts/batch/upsert`, {
        method: "POST",
        headers: { authorization: `Bearer ${destination.token}`, "content-type": "application/json" },
        body: JSON.stringify({ inputs }),
      });
    const duplicate = await send([
      { idProperty: "email", id: "x@acme.example", properties: {} },
      { idProperty: "email", id: "X@acme.example", properties: {} },
    ]);
    expect(duplicate.status).toBe(400);
    expect(await duplicate.json()).toMatchObject({ category: "VALIDATION_ERROR" });
    const wrongKey = await send([{ idProperty: "firstname", id: "x", properties: {} }]);
    expect(wrongKey.status).toBe(400);
    const noAuth = await fetch(`${fake.url}/crm/v3/objects/contacts/batch/upsert`, { method: "POST", body: "{}" });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION" });
  });
});
