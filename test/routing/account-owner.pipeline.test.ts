import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DecisionTrace } from "../../src/routing/decision";
import { admin, json } from "../admin/helpers";
import { privateFake } from "../connectors/fixtures";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import type { FakeHandle } from "../fakes/client";
import type { HubspotContact } from "../fakes/hubspot";
import { configure, sendThrough, standardSecret } from "../helpers";

/**
 * `assign: { accountOwner }` through the real pipeline: webhooks in, the routing
 * consumer finds the lead's company in HubSpot (the contract fake) by domain, then
 * by normalized name, and gives the lead to the company's owner, else to the
 * fallback pool; the HubSpot contact is upserted with that owner. Each lead has a
 * host of its own: a lead matching an earlier lead keeps that lead's owner
 * before any account lookup (sticky ownership comes first).
 */

let hubspot: FakeHandle;
const source = "account-forms";
const searchPath = "/crm/v3/objects/companies/search";

beforeAll(async () => {
  hubspot = await privateFake("hubspot");
  await configure({
    sources: [{ id: source, provider: "standard-webhooks", secrets: [standardSecret], mapping: { email: "email", company: "company" } }],
    // No working hours: these owners are available unless set away.
    owners: [
      { id: "201", name: "Ada", timeZone: "Europe/Berlin" },
      { id: "202", name: "Grace", timeZone: "America/New_York" },
    ],
    pools: [{ id: "inbound", members: [{ ownerId: "301" }, { ownerId: "302" }] }],
    destinations: [{ id: "hubspot", type: "hubspot", token: hubspot.credentials.token ?? "", baseUrl: hubspot.url }],
    routes: [
      {
        id: "all",
        when: { always: true },
        actions: [{ assign: { accountOwner: { destination: "hubspot", fallbackPool: "inbound" } } }, { upsert: { destination: "hubspot" } }],
      },
    ],
  });
});

beforeEach(async () => {
  await hubspot.reset();
  await hubspot.control("POST", "companies", [
    { id: "5001", properties: { domain: "acme.example", name: "Acme Inc.", hubspot_owner_id: "201" } },
    { id: "5002", properties: { domain: "globex.example", name: "Globex, Inc.", hubspot_owner_id: "202" } },
    { id: "5003", properties: { domain: "initech.example", name: "Initech LLC" } },
  ]);
});

/** Posts the leads, routes them, delivers what routing planned; returns each lead's event row and trace. */
const send = (...people: { email: string; company?: string }[]) => sendThrough(source, people);

const contactOf = async (email: string) => (await hubspot.records<HubspotContact[]>()).find((c) => c.properties.email === email);
const searches = async () => (await hubspot.requests()).filter((r) => r.path === searchPath);

describe("assign: accountOwner in the routing pipeline", () => {
  it("gives a lead from a company with an owner to that owner, matched by the folded domain", async () => {
    const [lead] = await send({ email: "ann@eu.acme.example" });
    expect(lead?.row.ownerId).toBe("201");
    expect(lead?.trace.account).toEqual({
      route: "all",
      destination: "hubspot",
      outcome: "matched",
      by: "domain",
      key: "acme.example",
      cached: false,
      record: { id: "5001", name: "Acme Inc.", domain: "acme.example", ownerId: "201" },
      assigned: "owner",
    });
    expect(lead?.trace.owner).toMatchObject({ ownerId: "201", account: true, sticky: false });
    expect(lead?.trace.explain).toContain("account owner: hubspot record 5001 (Acme Inc.) matched by domain acme.example: owner 201");
    expect((await contactOf("ann@eu.acme.example"))?.properties.hubspot_owner_id).toBe("201");

    const { session } = await signIn();
    const story = text(await page(await consoleFetch("GET", `/events/${lead?.row.id}`, { session })));
    expect(story).toContain("hubspot record 5001 (Acme Inc.), matched by domain acme.example: its owner 201 takes the lead.");
  });

  it("answers the next lead of the same company from the cache", async () => {
    await send({ email: "bob@acme.example" });
    const searched = (await searches()).length;
    const [second] = await send({ email: "carl@us.acme.example" });
    expect(second?.trace.account).toMatchObject({ outcome: "matched", by: "domain", key: "acme.example", cached: true, assigned: "owner" });
    expect(second?.row.ownerId).toBe("201");
    expect(await searches()).toHaveLength(searched);
  });

  it("matches by normalized company name when the domain is unknown", async () => {
    const [lead] = await send({ email: "dora@globex-mail.example", company: "GLOBEX GmbH" });
    expect(lead?.trace.account).toMatchObject({ outcome: "matched", by: "name", key: "globex", record: { id: "5002", ownerId: "202" }, assigned: "owner" });
    expect(lead?.row.ownerId).toBe("202");
  });

  it("sends a lead from an unknown company to the fallback pool, and says what it tried", async () => {
    const [lead] = await send({ email: "eve@unknown.example", company: "Unknown Holdings Ltd" });
    expect(lead?.trace.account).toMatchObject({
      outcome: "no_match",
      tried: [
        { by: "domain", key: "unknown.example", found: "none" },
        { by: "name", key: "unknown holdings", found: "none" },
      ],
      assigned: "fallback_pool",
    });
    expect(lead?.trace.owner).toMatchObject({ pool: "inbound", sticky: false });
    expect(["301", "302"]).toContain(lead?.row.ownerId);
    expect((await contactOf("eve@unknown.example"))?.properties.hubspot_owner_id).toBe(lead?.row.ownerId);
  });

  it("sends a free-mail lead without a company to the fallback pool without searching", async () => {
    const [lead] = await send({ email: "frank@gmail.com" });
    expect(lead?.trace.account).toMatchObject({ outcome: "skipped", assigned: "fallback_pool" });
    expect(["301", "302"]).toContain(lead?.row.ownerId);
    expect(await searches()).toHaveLength(0);
  });

  it("matches a free-mail lead by its company name, never by the mail domain", async () => {
    const [lead] = await send({ email: "gina@gmail.com", company: "Acme, Inc" });
    expect(lead?.trace.account).toMatchObject({ outcome: "matched", by: "name", key: "acme", record: { id: "5001" } });
    expect(lead?.row.ownerId).toBe("201");
    const bodies = (await searches()).map((r) => JSON.parse(r.body) as { filterGroups: { filters: { propertyName: string }[] }[] });
    expect(bodies.flatMap((b) => b.filterGroups.flatMap((g) => g.filters.map((f) => f.propertyName)))).toEqual(["name"]);
  });

  it("sends the lead to the fallback pool when the company has no owner", async () => {
    const [lead] = await send({ email: "hal@initech.example" });
    expect(lead?.trace.account).toMatchObject({ outcome: "matched", record: { id: "5003" }, assigned: "fallback_pool" });
    expect(lead?.trace.account?.record?.ownerId).toBeUndefined();
    expect(["301", "302"]).toContain(lead?.row.ownerId);
  });

  it("sends the lead to the fallback pool while the account owner is away", async () => {
    await json(await admin("PUT", "/v1/owners/202/away", { body: { until: "2099-01-01T00:00:00Z", reason: "parental leave" } }));
    try {
      const [lead] = await send({ email: "ian@globex.example" });
      expect(lead?.trace.account).toMatchObject({
        outcome: "matched",
        record: { id: "5002", ownerId: "202" },
        ownerUnavailable: "away until 2099-01-01T00:00Z (parental leave)",
        assigned: "fallback_pool",
      });
      expect(["301", "302"]).toContain(lead?.row.ownerId);
    } finally {
      await json(await admin("DELETE", "/v1/owners/202/away"));
    }
    const [back] = await send({ email: "jo@de.globex.example" });
    expect(back?.row.ownerId).toBe("202");
  });

  it("falls back to the pool when the search fails, and does not cache the failure", async () => {
    await hubspot.fault({ status: 503, path: searchPath, count: 1 });
    const [failed] = await send({ email: "kim@failing.example" });
    expect(failed?.trace.account).toMatchObject({
      outcome: "failed",
      by: "domain",
      key: "failing.example",
      error: "HubSpot answered HTTP 503 INTERNAL_ERROR",
      assigned: "fallback_pool",
    });
    expect(["301", "302"]).toContain(failed?.row.ownerId);
    await hubspot.control("POST", "companies", { properties: { domain: "failing.example", name: "Failing", hubspot_owner_id: "201" } });
    const [retried] = await send({ email: "lee@eu.failing.example" });
    expect(retried?.row.ownerId).toBe("201");
  });
});

describe("assign: accountOwner in the simulator", () => {
  interface Simulation {
    ownerId?: string;
    trace: DecisionTrace;
  }
  const simulate = async (payload: Record<string, string>) => json<Simulation>(await admin("POST", "/v1/simulate", { body: { source, payload } }));

  it("shows the match from the cache the consumer filled, and searches nothing on a miss", async () => {
    await send({ email: "max@hq.acme.example" });
    const searched = (await searches()).length;
    const hit = await simulate({ email: "ned@sales.acme.example" });
    expect(hit.ownerId).toBe("201");
    expect(hit.trace.account).toMatchObject({ outcome: "matched", by: "domain", key: "acme.example", cached: true, record: { id: "5001" }, assigned: "owner" });

    const miss = await simulate({ email: "oz@never-seen.example", company: "Never Seen AG" });
    expect(miss.trace.account).toMatchObject({
      outcome: "no_match",
      tried: [
        { by: "domain", key: "never-seen.example", found: "not_cached" },
        { by: "name", key: "never seen", found: "not_cached" },
      ],
      assigned: "fallback_pool",
    });
    expect(["301", "302"]).toContain(miss.ownerId);
    expect(await searches()).toHaveLength(searched);
  });
});
