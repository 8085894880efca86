import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PipedriveDestination } from "../../src/connectors/pipedrive";
import { rateLimitWait, upsertLead } from "../../src/connectors/pipedrive";
import type { FakeHandle } from "../fakes/client";
import type { PipedriveLead, PipedrivePerson } from "../fakes/pipedrive";
import { delivery, jsonOf, options, privateFake } from "./fixtures";

const CUSTOM_FIELD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

let fake: FakeHandle;
let destination: PipedriveDestination;
type Records = { persons: PipedrivePerson[]; leads: PipedriveLead[] };

beforeAll(async () => {
  fake = await privateFake("pipedrive", { users: [1, 101, 102] });
});
beforeEach(async () => {
  await fake.reset();
  destination = { id: "pipedrive", type: "pipedrive", apiToken: fake.credentials.apiToken ?? "", baseUrl: fake.url, timeoutMs: 2000, maxAttempts: 8 };
});

const calls = async () => (await fake.requests()).map((r) => `${r.method} ${r.path}`);

describe("Pipedrive person + lead", () => {
  it("creates a person with a numeric owner and a work email, then a lead, with x-api-token", async () => {
    const outcome = await upsertLead(destination, delivery({ email: "jane@acme.example", phone: "+14155550100" }, { ownerId: "101" }), options);
    expect(outcome).toMatchObject({ ok: true, status: 201, externalId: "1" });

    expect(await calls()).toEqual(["GET /api/v2/persons/search", "POST /api/v2/persons", "GET /api/v1/leads", "POST /api/v1/leads"]);
    const requests = await fake.requests();
    for (const request of requests) {
      expect(request.headers["x-api-token"]).toBe(destination.apiToken);
      expect(request.query.api_token).toBeUndefined();
    }
    expect(requests[0]?.query).toEqual({ term: "jane@acme.example", fields: "email", exact_match: "true" });
    expect(jsonOf(requests[1]!)).toEqual({
      name: "Jane Doe",
      emails: [{ value: "jane@acme.example", primary: true, label: "work" }],
      phones: [{ value: "+14155550100", primary: true, label: "work" }],
      owner_id: 101,
    });
    expect(requests[2]?.query).toEqual({ person_id: "1", archived_status: "not_archived", limit: "1" });
    expect(jsonOf(requests[3]!)).toEqual({ title: "Acme lead", person_id: 1, owner_id: 101 });

    const { persons, leads } = await fake.records<Records>();
    expect(persons).toHaveLength(1);
    expect(leads).toMatchObject([{ person_id: 1, owner_id: 101, title: "Acme lead" }]);
  });

  it("updates the person found by email (case-insensitively) and adds no second lead", async () => {
    await upsertLead(destination, delivery({ email: "sam@acme.example", firstName: "Sam" }, { ownerId: "101" }), options);
    const before = (await fake.requests()).length;

    const outcome = await upsertLead(
      destination,
      delivery({ email: "SAM@acme.example", firstName: "Samuel" }, { ownerId: "102", properties: { [CUSTOM_FIELD]: "hot" } }),
      options,
    );
    expect(outcome).toMatchObject({ ok: true, status: 200, externalId: "1" });
    expect((await calls()).slice(before)).toEqual(["GET /api/v2/persons/search", "PATCH /api/v2/persons/1", "GET /api/v1/leads"]);
    expect(jsonOf((await fake.requests())[before + 1]!)).toEqual({ name: "Samuel Doe", owner_id: 102, custom_fields: { [CUSTOM_FIELD]: "hot" } });

    const { persons, leads } = await fake.records<Records>();
    expect(persons).toHaveLength(1);
    expect(persons[0]).toMatchObject({ name: "Samuel Doe", owner_id: 102, emails: [{ value: "sam@acme.example" }], custom_fields: { [CUSTOM_FIELD]: "hot" } });
    expect(leads).toHaveLength(1);
  });

  it("converges after a failed lead call: the retry finds the person and creates the one missing lead", async () => {
    await fake.fault({ status: 503, method: "POST", path: "/api/v1/leads" });
    const lead = delivery({ email: "retry@acme.example" }, { ownerId: "101" });
    expect(await upsertLead(destination, lead, options)).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(await upsertLead(destination, lead, options)).toMatchObject({ ok: true, status: 201 });
    expect(await upsertLead(destination, lead, options)).toMatchObject({ ok: true, status: 200 });
    const { persons, leads } = await fake.records<Records>();
    expect(persons).toHaveLength(1);
    expect(leads).toHaveLength(1);
  });

  it("needs an email and a numeric owner id: permanent failure without a request", async () => {
    expect(await upsertLead(destination, delivery({ email: undefined }), options)).toMatchObject({ ok: false, retryable: false });
    expect(await upsertLead(destination, delivery({}, { ownerId: "005000000000001AAA" }), options)).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("Pipedrive failures", () => {
  it("treats a wrong token as permanent (401), one request", async () => {
    const outcome = await upsertLead({ ...destination, apiToken: "wrong-token" }, delivery(), options);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 401 });
    expect(outcome.ok === false && JSON.parse(outcome.excerpt ?? "{}")).toMatchObject({ success: false, error: "unauthorized access", errorCode: 401 });
    expect(JSON.stringify(outcome)).not.toContain("wrong-token");
    expect(await fake.requests()).toHaveLength(1);
  });

  it("treats a 400 from v2 validation as permanent (unknown custom field key)", async () => {
    const outcome = await upsertLead(destination, delivery({}, { properties: { colour: "teal" } }), options);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 400, error: "HTTP 400 ERR_SCHEMA_VALIDATION_FAILED" });
    expect((await fake.records<Records>()).persons).toHaveLength(0);
  });

  it("retries 429 with Retry-After and 5xx", async () => {
    await fake.fault([
      { status: 429, retryAfter: 2 },
      { status: 502, path: "/api/v2/persons", method: "POST" },
    ]);
    expect(await upsertLead(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, retryAfterSeconds: 2, status: 429 });
    expect(await upsertLead(destination, delivery(), options)).toMatchObject({ ok: false, retryable: true, status: 502 });
  });

  it("retries a response slower than timeoutMs, and a malformed search response", async () => {
    await fake.fault({ delayMs: 1000 });
    expect(await upsertLead({ ...destination, timeoutMs: 150 }, delivery(), options)).toMatchObject({
      ok: false,
      retryable: true,
      error: "timeout after 150 ms",
    });
    await fake.fault({ malformed: true });
    const malformed = await upsertLead(destination, delivery(), options);
    expect(malformed).toMatchObject({ ok: false, retryable: true, status: 200 });
    expect(malformed.ok === false && malformed.error).toMatch(/^malformed response/);
  });

  it("refuses http:// unless allowed", async () => {
    expect(await upsertLead(destination, delivery(), { allowHttp: false })).toMatchObject({ ok: false, retryable: false });
    expect(await fake.requests()).toHaveLength(0);
  });
});

describe("Pipedrive fake contract", () => {
  it("does not keep emails unique, and v2 rejects a string owner_id", async () => {
    const post = (body: unknown) =>
      fetch(`${fake.url}/api/v2/persons`, {
        method: "POST",
        headers: { "x-api-token": destination.apiToken, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const person = { name: "Twin", emails: [{ value: "twin@acme.example", primary: true, label: "work" }] };
    expect((await post(person)).status).toBe(200);
    expect((await post(person)).status).toBe(200);
    expect((await fake.records<Records>()).persons).toHaveLength(2);
    expect((await post({ ...person, owner_id: "101" })).status).toBe(400);
  });
});

describe("Pipedrive fake rate limits and search lag", () => {
  const headers = (token: string) => ({ "x-api-token": token, accept: "application/json" });

  it("sends x-ratelimit-* per plan and answers 429 over the 2-second window, then holds the token", async () => {
    const limited = await privateFake("pipedrive", { plan: "lite" });
    const get = () => fetch(`${limited.url}/api/v1/leads?limit=1`, { headers: headers(limited.credentials.apiToken ?? "") });
    const answers: Response[] = [];
    for (let i = 0; i < 21; i++) answers.push(await get());
    expect(answers[0]?.headers.get("x-ratelimit-limit")).toBe("20");
    expect(answers[0]?.headers.get("x-ratelimit-remaining")).toBe("19");
    expect(answers[19]?.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(answers.slice(0, 20).every((r) => r.status === 200)).toBe(true);
    const refused = answers[20];
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get("x-ratelimit-reset")).toBe("10");
    expect(refused?.headers.get("retry-after")).toBe("10");
    expect(await refused?.json()).toMatchObject({ success: false, errorCode: 429 });
  });

  it("limits searches to 10 per 2 s on every plan", async () => {
    const limited = await privateFake("pipedrive", { plan: "ultimate" });
    const search = () =>
      fetch(`${limited.url}/api/v2/persons/search?term=a%40b.example&fields=email&exact_match=true`, { headers: headers(limited.credentials.apiToken ?? "") });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await search()).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
  });

  it("answers 429 with x-daily-requests-left: 0 once the daily budget is spent", async () => {
    // Two lists (20 tokens each) fit in 50 tokens; the third does not.
    const limited = await privateFake("pipedrive", { dailyBudget: 50 });
    const get = () => fetch(`${limited.url}/api/v1/leads`, { headers: headers(limited.credentials.apiToken ?? "") });
    expect((await get()).headers.get("x-daily-requests-left")).toBe("30");
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-daily-requests-left")).toBe("0");
  });

  it("finds a new person by search only after searchLagMs", async () => {
    const lagging = await privateFake("pipedrive", { searchLagMs: 3000 });
    const token = lagging.credentials.apiToken ?? "";
    const lagged = { ...destination, apiToken: token, baseUrl: lagging.url };
    const lead = delivery({ email: "lag@acme.example" });
    expect(await upsertLead(lagged, lead, options)).toMatchObject({ ok: true, externalId: "1" });
    // Searched again at once, the person is not found yet: a second person.
    expect(await upsertLead(lagged, lead, options)).toMatchObject({ ok: true, externalId: "2" });
    expect((await lagging.records<Records>()).persons).toHaveLength(2);
  });
});

describe("Pipedrive with the record map", () => {
  it("updates a known person by id without searching, and names the person and lead it wrote", async () => {
    const first = await upsertLead(destination, delivery({ email: "known@acme.example" }), options);
    expect(first).toMatchObject({ ok: true, records: { person: "1" } });
    const records = first.ok ? first.records : undefined;
    const before = (await fake.requests()).length;

    const again = await upsertLead(destination, delivery({ email: "known@acme.example", firstName: "Kim" }, { records }), options);
    expect(again).toMatchObject({ ok: true, status: 200, records });
    expect((await calls()).slice(before)).toEqual(["PATCH /api/v2/persons/1", "GET /api/v1/leads"]);
    const { leads } = await fake.records<Records>();
    expect(records?.lead).toBe(leads[0]?.id);
  });

  it("finds the person by email again when the known id is gone (404)", async () => {
    const outcome = await upsertLead(destination, delivery({ email: "gone@acme.example" }, { records: { person: "999" } }), options);
    expect(outcome).toMatchObject({ ok: true, records: { person: "1" } });
    expect(await calls()).toEqual([
      "PATCH /api/v2/persons/999",
      "GET /api/v2/persons/search",
      "POST /api/v2/persons",
      "GET /api/v1/leads",
      "POST /api/v1/leads",
    ]);
  });
});

describe("Pipedrive 429s", () => {
  it("waits for x-ratelimit-reset when it is later than Retry-After, and holds the destination as long", async () => {
    const limited = await privateFake("pipedrive", { plan: "lite" });
    const target = { ...destination, apiToken: limited.credentials.apiToken ?? "", baseUrl: limited.url };
    const get = () => fetch(`${limited.url}/api/v1/leads`, { headers: { "x-api-token": target.apiToken } });
    for (let i = 0; i < 20; i++) await get();
    expect(await upsertLead(target, delivery(), options)).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterSeconds: 10, holdSeconds: 10 });
  });

  it("asks to hold the destination when an answer says the window is spent, before any 429", async () => {
    const limited = await privateFake("pipedrive", { plan: "lite" });
    const target = { ...destination, apiToken: limited.credentials.apiToken ?? "", baseUrl: limited.url };
    for (let i = 0; i < 16; i++) await fetch(`${limited.url}/api/v1/leads`, { headers: { "x-api-token": target.apiToken } });
    const outcome = await upsertLead(target, delivery(), options);
    expect(outcome).toMatchObject({ ok: true, holdSeconds: expect.any(Number) });
    expect(outcome.holdSeconds).toBeGreaterThanOrEqual(1);
    expect(outcome.holdSeconds).toBeLessThanOrEqual(2);
  });

  it("waits until midnight UTC once the daily budget is spent", () => {
    const now = Date.parse("2026-12-06T23:00:00Z");
    const headers = new Headers({ "x-daily-requests-left": "0", "retry-after": "5" });
    expect(rateLimitWait(headers, { ok: false, retryable: true, retryAfterSeconds: 5, error: "HTTP 429", latencyMs: 0 }, now)).toBe(3600);
    expect(
      rateLimitWait(new Headers({ "x-ratelimit-reset": "2" }), { ok: false, retryable: true, retryAfterSeconds: 7, error: "HTTP 429", latencyMs: 0 }, now),
    ).toBe(7);
  });
});
