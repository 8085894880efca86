import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type DestinationConfig, destinationSchema, type EnrichmentConfig, enrichmentSchema } from "../../src/config/schema";
import { createDb } from "../../src/db/client";
import { readCachedEnrichment, writeCachedEnrichment } from "../../src/db/enrichment-cache";
import { cacheScope } from "../../src/enrich/cache-scope";
import { createEnricher } from "../../src/enrich/lookup";
import type { Lead } from "../../src/lead/schema";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import { liftHold } from "../helpers";

/**
 * The enrichment lookups inside workerd, against the contract fakes over real HTTP
 * and the real D1 cache table. Time is driven by writing cache rows whose
 * `expires_at` lies in the past or the future, never by sleeping.
 */

let endpoint: FakeHandle;
let hubspot: FakeHandle;
let destinations: DestinationConfig[];
const db = createDb(env.DB);
let sequence = 0;

beforeAll(async () => {
  endpoint = await privateFake("enrichment");
  hubspot = await privateFake("hubspot");
  destinations = [destinationSchema.parse({ id: "crm", type: "hubspot", token: hubspot.credentials.token, baseUrl: hubspot.url })];
});

beforeEach(async () => {
  await endpoint.reset();
  await hubspot.reset();
});

afterEach(() => vi.restoreAllMocks());

/** A fresh domain per test: the cache table is shared by the whole file. */
function domain(): string {
  sequence += 1;
  return `corp${sequence}.example`;
}

function lead(domainName: string | undefined, extra: Partial<Lead> = {}): Lead {
  return { email: `ann@${domainName ?? "gmail.com"}`, ...(domainName ? { domain: domainName } : {}), custom: {}, ...extra };
}

function httpEnrichment(extra: Record<string, unknown> = {}): EnrichmentConfig {
  return enrichmentSchema.parse({
    id: "clearbit",
    type: "http",
    url: endpoint.url,
    token: endpoint.credentials.token,
    fields: { employees: "company.metrics.employees", industry: "company.category.industry", "custom.revenue": "company.metrics.revenue" },
    ...extra,
  });
}

function hubspotEnrichment(extra: Record<string, unknown> = {}): EnrichmentConfig {
  return enrichmentSchema.parse({
    id: "company",
    type: "hubspot-company",
    destination: "crm",
    fields: { employees: "properties.numberofemployees", industry: "properties.industry", "custom.hubspotCompanyId": "id" },
    ...extra,
  });
}

const consumer = () => createEnricher(env, createDb(env.DB), { writeCache: true, callLookups: true, destinations });
const simulator = () => createEnricher(env, createDb(env.DB), { writeCache: false, callLookups: false, destinations });

async function answer(key: string, employees: number) {
  await endpoint.control("POST", "answers", {
    [key]: { company: { name: "Corp", metrics: { employees, revenue: 5_000_000 }, category: { industry: "Software" } } },
  });
}

describe("http enrichment", () => {
  it("posts { key, lead } with the bearer token, maps the answer and caches it", async () => {
    const key = domain();
    await answer(key, 1200);
    const subject = lead(key, { firstName: "Ann" });

    const result = await consumer()(httpEnrichment(), subject);
    expect(result).toEqual({ outcome: "fetched", key, fields: { employees: 1200, industry: "Software", "custom.revenue": 5_000_000 } });

    const [request] = await endpoint.requests();
    expect(request).toMatchObject({ method: "POST", path: "/v1/enrich" });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${endpoint.credentials.token}`,
      accept: "application/json",
      "content-type": "application/json",
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({ key, lead: subject });

    const cached = await readCachedEnrichment(db, await cacheScope(httpEnrichment()), key, Date.now());
    expect(cached?.fields).toEqual({ employees: 1200, industry: "Software", "custom.revenue": 5_000_000 });
    expect((cached?.expiresAt ?? 0) - (cached?.fetchedAt ?? 0)).toBe(86_400_000);
  });

  it("serves the same domain from the cache within the TTL: one call for many leads", async () => {
    const key = domain();
    await answer(key, 40);
    const enrich = consumer();
    const first = await enrich(httpEnrichment(), lead(key));
    const second = await enrich(httpEnrichment(), lead(key, { email: `bob@${key}` }));
    expect(first.outcome).toBe("fetched");
    expect(second).toEqual({ outcome: "cached", key, fields: { employees: 40, industry: "Software", "custom.revenue": 5_000_000 } });
    expect(await endpoint.requests()).toHaveLength(1);
  });

  it("uses a cached row until it expires, then looks up again and replaces it", async () => {
    const key = domain();
    await answer(key, 300);
    const enrichment = httpEnrichment({ cacheSeconds: 600 });
    const scope = await cacheScope(enrichment);
    const now = Date.now();

    await writeCachedEnrichment(db, { scope, key, fields: { employees: 7 }, fetchedAt: now - 1000, expiresAt: now + 60_000 });
    expect(await consumer()(enrichment, lead(key))).toEqual({ outcome: "cached", key, fields: { employees: 7 } });
    expect(await endpoint.requests()).toHaveLength(0);

    await writeCachedEnrichment(db, { scope, key, fields: { employees: 7 }, fetchedAt: now - 700_000, expiresAt: now - 100_000 });
    const refetched = await consumer()(enrichment, lead(key));
    expect(refetched).toMatchObject({ outcome: "fetched", key, fields: { employees: 300 } });
    expect(await endpoint.requests()).toHaveLength(1);
    const row = await readCachedEnrichment(db, scope, key, Date.now());
    expect(row?.fields).toMatchObject({ employees: 300 });
    expect((row?.expiresAt ?? 0) - (row?.fetchedAt ?? 0)).toBe(600_000);
  });

  it("starts a fresh cache when the enrichment's fields change", async () => {
    const key = domain();
    await answer(key, 55);
    await consumer()(httpEnrichment(), lead(key));
    const remapped = httpEnrichment({ fields: { employees: "company.metrics.employees", company: "company.name" } });
    expect(await consumer()(remapped, lead(key))).toEqual({ outcome: "fetched", key, fields: { employees: 55, company: "Corp" } });
    expect(await endpoint.requests()).toHaveLength(2);
  });

  it("with cacheSeconds 0 asks every time and stores nothing", async () => {
    const key = domain();
    await answer(key, 12);
    const enrichment = httpEnrichment({ cacheSeconds: 0 });
    expect((await consumer()(enrichment, lead(key))).outcome).toBe("fetched");
    expect((await consumer()(enrichment, lead(key))).outcome).toBe("fetched");
    expect(await endpoint.requests()).toHaveLength(2);
    expect(await readCachedEnrichment(db, await cacheScope(enrichment), key, Date.now())).toBeUndefined();
  });

  it("keys by email with cacheBy email, and skips a lead without the key", async () => {
    await endpoint.control("POST", "answers", { "ann@person.example": { person: { seniority: "executive" } } });
    const byEmail = httpEnrichment({ id: "people", cacheBy: "email", fields: { "custom.seniority": "person.seniority" } });
    expect(await consumer()(byEmail, { email: "ann@person.example", custom: {} })).toEqual({
      outcome: "fetched",
      key: "ann@person.example",
      fields: { "custom.seniority": "executive" },
    });
    expect(await consumer()(byEmail, { phone: "+14155550100", custom: {} })).toEqual({ outcome: "skipped", reason: "the lead has no email to look up" });
    const skipped = await consumer()(httpEnrichment(), lead(undefined));
    expect(skipped).toMatchObject({ outcome: "skipped", reason: expect.stringContaining("no company domain") });
    expect(await endpoint.requests()).toHaveLength(1);
  });

  it("a 404 is 'nothing known', cached like an answer", async () => {
    const key = domain();
    const first = await consumer()(httpEnrichment(), lead(key));
    expect(first).toEqual({ outcome: "skipped", key, reason: `the endpoint knows nothing about ${key}` });
    const second = await consumer()(httpEnrichment(), lead(key));
    expect(second).toEqual({ outcome: "skipped", key, reason: `the endpoint knows nothing about ${key} (cached answer)` });
    expect(await endpoint.requests()).toHaveLength(1);
  });

  it("fails on a timeout, a 5xx, a non-JSON answer, a refused token or an expression error, and caches none of them", async () => {
    const key = domain();
    await answer(key, 99);
    const enrich = consumer();

    await endpoint.fault({ delayMs: 1500 });
    expect(await enrich(httpEnrichment({ timeoutMs: 200 }), lead(key))).toEqual({ outcome: "failed", key, error: "timed out after 200 ms" });

    await endpoint.fault({ status: 503 });
    expect(await enrich(httpEnrichment(), lead(key))).toEqual({ outcome: "failed", key, error: "HTTP 503" });

    await endpoint.fault({ malformed: true });
    expect(await enrich(httpEnrichment(), lead(key))).toEqual({ outcome: "failed", key, error: "HTTP 200 but the answer is not JSON" });

    expect(await enrich(httpEnrichment({ token: "wrong-token" }), lead(key))).toEqual({ outcome: "failed", key, error: "HTTP 401" });

    const broken = httpEnrichment({ fields: { employees: "$number(company.name)" } });
    const failed = await enrich(broken, lead(key));
    expect(failed).toMatchObject({ outcome: "failed", key, error: expect.stringMatching(/^fields failed: employees/) });

    expect(await readCachedEnrichment(db, await cacheScope(httpEnrichment()), key, Date.now())).toBeUndefined();
    // Nothing failed was cached: the next lead asks again and gets the answer.
    expect(await enrich(httpEnrichment(), lead(key))).toMatchObject({ outcome: "fetched", fields: { employees: 99 } });
  });

  it("fails without calling when the URL breaks the https rule or nothing listens", async () => {
    const key = domain();
    const strict = createEnricher({ ...env, ALLOW_HTTP_DESTINATIONS: "false" }, createDb(env.DB), { writeCache: true, callLookups: true });
    const refused = await strict(httpEnrichment(), lead(key));
    expect(refused).toMatchObject({ outcome: "failed", key, error: expect.stringContaining("must use https") });

    // Nothing listens: the rejection workerd gives a refused connection, injected at fetch
    // (a real closed port makes workerd log an uncaught promise of its own; see
    // test/connectors/http.test.ts).
    vi.spyOn(globalThis, "fetch").mockRejectedValueOnce(new Error("Network connection lost."));
    const closed = await consumer()(httpEnrichment(), lead(key));
    expect(closed).toMatchObject({ outcome: "failed", key, error: expect.stringContaining("network error") });
  });

  it("goes on without the cache when D1 fails: a read failure means a lookup, a write failure still returns the answer", async () => {
    const key = domain();
    await answer(key, 31);
    vi.spyOn(env.DB, "prepare").mockImplementation(() => {
      throw new Error("D1_ERROR: storage unavailable");
    });
    expect(await consumer()(httpEnrichment(), lead(key))).toMatchObject({ outcome: "fetched", key, fields: { employees: 31 } });
    vi.restoreAllMocks();
    expect(await readCachedEnrichment(db, await cacheScope(httpEnrichment()), key, Date.now())).toBeUndefined();
  });
});

describe("the simulator's enricher", () => {
  it("answers from the cache and otherwise skips, calling nothing and writing nothing", async () => {
    const key = domain();
    await answer(key, 77);
    const miss = await simulator()(httpEnrichment(), lead(key));
    expect(miss).toEqual({ outcome: "skipped", key, reason: "not in the cache; a simulation calls no lookups" });
    expect(await endpoint.requests()).toHaveLength(0);
    expect(await readCachedEnrichment(db, await cacheScope(httpEnrichment()), key, Date.now())).toBeUndefined();

    await consumer()(httpEnrichment(), lead(key));
    expect(await simulator()(httpEnrichment(), lead(key))).toMatchObject({ outcome: "cached", key, fields: { employees: 77 } });
    expect(await endpoint.requests()).toHaveLength(1);
  });

  it("a read-only enricher that may call still writes nothing", async () => {
    const key = domain();
    await answer(key, 5);
    const readOnly = createEnricher(env, createDb(env.DB), { writeCache: false, callLookups: true });
    expect((await readOnly(httpEnrichment(), lead(key))).outcome).toBe("fetched");
    expect(await readCachedEnrichment(db, await cacheScope(httpEnrichment()), key, Date.now())).toBeUndefined();
  });
});

describe("hubspot-company enrichment", () => {
  async function seed(domainName: string, properties: Record<string, string> = {}) {
    await hubspot.control("POST", "companies", {
      properties: { domain: domainName, name: "Corp Inc", numberofemployees: "2500", industry: "COMPUTER_SOFTWARE", ...properties },
    });
  }

  it("searches companies by domain with the destination's token and maps the first result", async () => {
    const key = domain();
    await seed(key);
    const result = await consumer()(hubspotEnrichment(), lead(key));
    expect(result).toMatchObject({ outcome: "fetched", key, fields: { employees: "2500", industry: "COMPUTER_SOFTWARE" } });
    if (result.outcome !== "fetched") throw new Error("expected fetched");
    expect(result.fields["custom.hubspotCompanyId"]).toMatch(/^\d+$/);

    const [request] = await hubspot.requests();
    expect(request).toMatchObject({ method: "POST", path: "/crm/v3/objects/companies/search" });
    expect(request?.headers.authorization).toBe(`Bearer ${hubspot.credentials.token}`);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQ", value: key }] }],
      properties: ["domain", "name", "industry", "numberofemployees", "country", "annualrevenue"],
      sorts: [{ propertyName: "createdate", direction: "ASCENDING" }],
      limit: 1,
    });
  });

  it("asks for the configured properties, and takes the oldest of several companies with the domain", async () => {
    const key = domain();
    await seed(key, { name: "Newer", createdate: "2024-05-01T00:00:00.000Z" });
    await seed(key, { name: "Older", createdate: "2019-05-01T00:00:00.000Z" });
    const enrichment = hubspotEnrichment({
      id: "company-names",
      properties: ["name", "hs_ideal_customer_profile"],
      fields: { company: "properties.name", "custom.icp": "properties.hs_ideal_customer_profile" },
    });
    expect(await consumer()(enrichment, lead(key))).toEqual({ outcome: "fetched", key, fields: { company: "Older", "custom.icp": null } });
    const [request] = await hubspot.requests();
    expect(JSON.parse(request?.body ?? "").properties).toEqual(["domain", "name", "hs_ideal_customer_profile"]);
  });

  it("no company with the domain is skipped and cached; archived companies are not found", async () => {
    const key = domain();
    await hubspot.control("POST", "companies", { properties: { domain: key, name: "Gone" }, archived: true });
    expect(await consumer()(hubspotEnrichment(), lead(key))).toEqual({ outcome: "skipped", key, reason: `no HubSpot company with domain ${key}` });
    expect(await consumer()(hubspotEnrichment(), lead(key))).toEqual({
      outcome: "skipped",
      key,
      reason: `no HubSpot company with domain ${key} (cached answer)`,
    });
    expect(await hubspot.requests()).toHaveLength(1);
  });

  it("fails with HubSpot's error category on 401 and 429, and on a malformed answer or a slow one", async () => {
    const key = domain();
    await seed(key);
    const wrongToken = [destinationSchema.parse({ id: "crm", type: "hubspot", token: "pat-na1-revoked", baseUrl: hubspot.url })];
    const revoked = createEnricher(env, createDb(env.DB), { writeCache: true, callLookups: true, destinations: wrongToken });
    expect(await revoked(hubspotEnrichment(), lead(key))).toEqual({ outcome: "failed", key, error: "HubSpot answered HTTP 401 INVALID_AUTHENTICATION" });

    await hubspot.fault({ status: 429, path: "/crm/v3/objects/companies/search" });
    expect(await consumer()(hubspotEnrichment(), lead(key))).toEqual({ outcome: "failed", key, error: "HubSpot answered HTTP 429 RATE_LIMIT" });
    // The 429 holds the destination's limiter, the one its deliveries use.
    expect((await liftHold("crm")) - Date.now()).toBeGreaterThan(5_000);

    await hubspot.fault({ status: 502 });
    expect(await consumer()(hubspotEnrichment(), lead(key))).toEqual({ outcome: "failed", key, error: "HubSpot answered HTTP 502 INTERNAL_ERROR" });

    await hubspot.fault({ malformed: true });
    expect(await consumer()(hubspotEnrichment(), lead(key))).toEqual({ outcome: "failed", key, error: "HubSpot's search answer is not the documented shape" });

    await hubspot.fault({ delayMs: 1500 });
    expect(await consumer()(hubspotEnrichment({ timeoutMs: 150 }), lead(key))).toEqual({ outcome: "failed", key, error: "timed out after 150 ms" });

    expect(await consumer()(hubspotEnrichment(), lead(key))).toMatchObject({ outcome: "fetched", key });
  });

  it("shares its destination's limiter: a held destination is not called, and routing goes on", async () => {
    const key = domain();
    await seed(key);
    await env.DESTINATION_LIMITER.getByName("crm").hold(Date.now() + 60_000);
    expect(await consumer()(hubspotEnrichment(), lead(key))).toEqual({
      outcome: "failed",
      key,
      error: expect.stringMatching(/^HubSpot's rate limit: the destination is busy for (59|60) s$/),
    });
    expect(await hubspot.requests()).toEqual([]);
    await liftHold("crm");
    expect(await consumer()(hubspotEnrichment(), lead(key))).toMatchObject({ outcome: "fetched", key });
  });

  it("fails without a call when its destination is missing or not HubSpot", async () => {
    const key = domain();
    const slackOnly = [destinationSchema.parse({ id: "crm", type: "slack", url: "https://hooks.slack.com/services/T0/B0/X" })];
    const enrich = createEnricher(env, createDb(env.DB), { writeCache: true, callLookups: true, destinations: slackOnly });
    expect(await enrich(hubspotEnrichment(), lead(key))).toEqual({
      outcome: "failed",
      key,
      error: "destination 'crm' is not a configured hubspot destination",
    });
    expect(await hubspot.requests()).toHaveLength(0);
  });
});

describe("the HubSpot fake's company search", () => {
  const search = (body: unknown, token = hubspot.credentials.token) =>
    fetch(`${hubspot.url}/crm/v3/objects/companies/search`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("requires the bearer token and answers HubSpot's error shape", async () => {
    const response = await search({ filterGroups: [] }, "");
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION", correlationId: expect.any(String) });
  });

  it("refuses bad bodies with 400 VALIDATION_ERROR", async () => {
    for (const body of [
      "not json",
      { filterGroups: "domain=x" },
      { filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQUALS", value: "x" }] }] },
      { filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQ" }] }] },
      { filterGroups: Array.from({ length: 6 }, () => ({ filters: [] })) },
      { filterGroups: [], limit: 500 },
    ]) {
      const response = await search(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
    }
  });

  it("finds by domain case-insensitively, ORs groups, pages with after", async () => {
    await hubspot.control("POST", "companies", [
      { properties: { domain: "a.example", name: "A" } },
      { properties: { domain: "b.example", name: "B" } },
      { properties: { domain: "c.example", name: "C" } },
    ]);
    const one = (await (await search({ filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQ", value: "A.Example" }] }] })).json()) as {
      total: number;
      results: { properties: Record<string, string | null> }[];
    };
    expect(one.total).toBe(1);
    expect(one.results[0]?.properties).toMatchObject({ name: "A", domain: "a.example", hs_object_id: expect.any(String) });

    const body = {
      filterGroups: [
        { filters: [{ propertyName: "domain", operator: "EQ", value: "b.example" }] },
        { filters: [{ propertyName: "name", operator: "IN", values: ["C", "A"] }] },
      ],
      limit: 2,
    };
    const page = (await (await search(body)).json()) as { total: number; results: unknown[]; paging?: { next: { after: string } } };
    expect(page.total).toBe(3);
    expect(page.results).toHaveLength(2);
    const rest = (await (await search({ ...body, after: page.paging?.next.after })).json()) as { results: unknown[]; paging?: unknown };
    expect(rest.results).toHaveLength(1);
    expect(rest.paging).toBeUndefined();
  });
});
