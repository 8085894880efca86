import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DecisionTrace } from "../../src/routing/decision";
import { admin, json } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import type { FakeHandle } from "../fakes/client";
import type { HubspotContact } from "../fakes/hubspot";
import { configure, sendThrough, standardSecret } from "../helpers";

/**
 * An `enrich` action through the real pipeline: webhooks in, the routing consumer
 * looks the company up in HubSpot (the contract fake), later routes see the new
 * fields, the contact upsert carries them; a failing lookup leaves the lead to the
 * next route, and a second lead of the same company comes from the D1 cache.
 */

let hubspot: FakeHandle;
const source = "enriched-forms";
const searchPath = "/crm/v3/objects/companies/search";

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  await configure({
    sources: [{ id: source, provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email", firstName: "first" } }],
    destinations: [{ id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url }],
    enrichments: [
      {
        id: "company",
        type: "hubspot-company",
        destination: "hubspot",
        fields: { employees: "properties.numberofemployees", industry: "properties.industry", company: "properties.name" },
        timeoutMs: 1000,
      },
    ],
    routes: [
      { id: "enrich-all", when: { always: true }, actions: [{ enrich: { enrichment: "company" } }], continue: true },
      {
        id: "enterprise",
        when: { field: "employees", op: "gte", value: 1000 },
        actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "salesqualifiedlead" } } }],
      },
      { id: "rest", when: { always: true }, actions: [{ upsert: { destination: "hubspot", properties: { lifecyclestage: "lead" } } }] },
    ],
  });
});

beforeEach(async () => {
  await hubspot.reset();
  await hubspot.control("POST", "companies", [
    { properties: { domain: "bigcorp.example", name: "BigCorp", numberofemployees: "4200", industry: "COMPUTER_SOFTWARE" } },
    { properties: { domain: "tiny.example", name: "Tiny", numberofemployees: "8", industry: "RETAIL" } },
  ]);
});

/** Posts the leads, routes them, delivers what routing planned; returns each lead's event row and trace. */
const send = (...people: { email: string; first?: string }[]) => sendThrough(source, people);

const contacts = () => hubspot.records<HubspotContact[]>();
const searches = async () => (await hubspot.requests()).filter((r) => r.path === searchPath);

describe("the enrich action in the routing pipeline", () => {
  it("routes by an enriched field, and the CRM upsert carries the enriched fields", async () => {
    const [only] = await send({ email: "ceo@bigcorp.example", first: "Grace" });
    expect(only?.row.status).toBe("routed");
    const trace = only?.trace;
    expect(trace?.enrichments).toEqual([
      { route: "enrich-all", enrichment: "company", outcome: "fetched", key: "bigcorp.example", merged: ["employees", "industry", "company"] },
    ]);
    expect(trace?.routes.map((r) => [r.route, r.status])).toEqual([
      ["enrich-all", "matched"],
      ["enterprise", "matched"],
      ["rest", "skipped"],
    ]);
    expect(trace?.actions).toEqual([
      { route: "enrich-all", action: "enrich" },
      { route: "enterprise", action: "upsert", destination: "hubspot", deliveryId: `${only?.row.id}:0` },
    ]);
    expect(JSON.parse(only?.row.lead ?? "{}")).toMatchObject({ employees: 4200, industry: "COMPUTER_SOFTWARE", company: "BigCorp" });

    const [contact] = await contacts();
    expect(contact?.properties).toMatchObject({
      email: "ceo@bigcorp.example",
      firstname: "Grace",
      company: "BigCorp",
      industry: "COMPUTER_SOFTWARE",
      lifecyclestage: "salesqualifiedlead",
    });
  });

  it("serves a second lead of the same company from the cache: HubSpot is searched once", async () => {
    const [first, second] = await send({ email: "ann@tiny.example" }, { email: "bob@tiny.example" });
    expect(first?.trace.enrichments?.[0]).toMatchObject({ outcome: "fetched", key: "tiny.example" });
    expect(second?.trace.enrichments?.[0]).toMatchObject({ outcome: "cached", key: "tiny.example", merged: ["employees", "industry", "company"] });
    // Tiny has 8 people: both fall through to "rest", enriched all the same.
    for (const lead of [first, second]) expect(lead?.trace.routes.find((r) => r.route === "rest")?.status).toBe("matched");
    expect(await searches()).toHaveLength(1);
    expect((await contacts()).map((c) => c.properties)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ email: "ann@tiny.example", company: "Tiny", industry: "RETAIL", lifecyclestage: "lead" }),
        expect.objectContaining({ email: "bob@tiny.example", company: "Tiny", industry: "RETAIL", lifecyclestage: "lead" }),
      ]),
    );
  });

  it("when the lookup fails the lead goes on without the fields to the next route, and the trace says why", async () => {
    await hubspot.fault({ status: 503, path: searchPath, count: 1 });
    const [failed] = await send({ email: "cto@megacorp.example" });
    expect(failed?.trace.enrichments?.[0]).toEqual({
      route: "enrich-all",
      enrichment: "company",
      outcome: "failed",
      key: "megacorp.example",
      error: "HubSpot answered HTTP 503 INTERNAL_ERROR",
    });
    expect(failed?.trace.explain).toContain(
      "enrichment company (megacorp.example): failed — HubSpot answered HTTP 503 INTERNAL_ERROR; routing went on without it",
    );
    expect(failed?.trace.routes.find((r) => r.route === "enterprise")?.status).not.toBe("matched");
    expect(failed?.trace.routes.find((r) => r.route === "rest")?.status).toBe("matched");
    const [contact] = await contacts();
    expect(contact?.properties).toMatchObject({ email: "cto@megacorp.example", lifecyclestage: "lead" });
    expect(contact?.properties.industry).toBeUndefined();

    // Failures are not cached: the company is searched again for the next lead.
    await hubspot.control("POST", "companies", { properties: { domain: "megacorp.example", name: "MegaCorp", numberofemployees: "90000" } });
    const [retried] = await send({ email: "cfo@megacorp.example" });
    expect(retried?.trace.enrichments?.[0]).toMatchObject({ outcome: "fetched", merged: ["employees", "company"] });
    expect(retried?.trace.routes.find((r) => r.route === "enterprise")?.status).toBe("matched");
    expect(await searches()).toHaveLength(2);
  });

  it("a timeout is a failure like any other", async () => {
    await hubspot.fault({ delayMs: 3000, path: searchPath });
    const [slow] = await send({ email: "ops@slowcorp.example" });
    expect(slow?.trace.enrichments?.[0]).toMatchObject({ outcome: "failed", error: "timed out after 1000 ms" });
    expect(slow?.trace.routes.find((r) => r.route === "rest")?.status).toBe("matched");
  });

  it("a free-mail lead has no domain to look up: skipped, no search", async () => {
    const [free] = await send({ email: "someone@gmail.com" });
    expect(free?.trace.enrichments?.[0]).toMatchObject({ outcome: "skipped", reason: expect.stringContaining("no company domain") });
    expect(await searches()).toHaveLength(0);
  });

  it("the simulator uses the cache the consumer filled, and calls nothing on a miss", async () => {
    await send({ email: "first@bigcorp.example" });
    const searched = (await searches()).length;
    const hit = await json<{ trace: DecisionTrace; routeId: string }>(
      await admin("POST", "/v1/simulate", { body: { source, payload: { email: "next@bigcorp.example" } } }),
    );
    expect(hit.trace.enrichments?.[0]).toMatchObject({ outcome: "cached", key: "bigcorp.example" });
    expect(hit.trace.routes.find((r) => r.route === "enterprise")?.status).toBe("matched");

    const miss = await json<{ trace: DecisionTrace }>(await admin("POST", "/v1/simulate", { body: { source, payload: { email: "x@unknown-corp.example" } } }));
    expect(miss.trace.enrichments?.[0]).toMatchObject({ outcome: "skipped", reason: "not in the cache; a simulation calls no lookups" });
    expect(await searches()).toHaveLength(searched);
  });
});
