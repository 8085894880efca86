import { describe, expect, it } from "vitest";
import { configSchema, type EnrichmentConfig, type GatewayConfigInput } from "../../src/config/schema";
import type { EnrichResult } from "../../src/enrich/types";
import type { Lead } from "../../src/lead/schema";
import { type DecideDeps, decide } from "../../src/routing/decide";

/**
 * decide() with deps we control: enrichment answers are given per test, so these
 * tests are about what deciding does with them (merge, order, trace), not about
 * lookups (test/enrich has those, against fakes).
 */

const base: GatewayConfigInput = {
  sources: [{ id: "forms", provider: "none", mapping: { email: "email", company: "company", employees: "employees", country: "country" } }],
  pools: [{ id: "ae", members: [{ ownerId: "o-ae" }] }],
  destinations: [{ id: "crm", type: "hubspot", token: "pat-test" }],
  enrichments: [
    { id: "company", type: "http", url: "https://enrich.example/lookup", fields: { employees: "size", country: "hq", "custom.revenue": "revenue" } },
  ],
};

function deps(answer: (enrichment: EnrichmentConfig, lead: Lead) => EnrichResult | Promise<EnrichResult>): DecideDeps & { calls: Lead[] } {
  const calls: Lead[] = [];
  return {
    calls,
    findLead: async () => undefined,
    assignOwner: async (pool) => ({
      ok: true,
      ownerId: pool.members[0]?.ownerId ?? "none",
      reason: "first member",
      fallback: false,
      day: "2026-11-27",
      counts: {},
    }),
    enrich: async (enrichment, lead) => {
      calls.push(lead);
      return answer(enrichment, lead);
    },
  };
}

const enrichThenSize = (extra: Partial<GatewayConfigInput> = {}) =>
  configSchema.parse({
    ...base,
    routes: [
      { id: "enrich", when: { always: true }, actions: [{ enrich: { enrichment: "company" } }], continue: true },
      { id: "enterprise", when: { field: "employees", op: "gte", value: 1000 }, actions: [{ assign: { pool: "ae" } }, { upsert: { destination: "crm" } }] },
      { id: "rest", when: { always: true }, actions: [{ upsert: { destination: "crm" } }] },
    ],
    ...extra,
  });

function run(config: ReturnType<typeof configSchema.parse>, payload: unknown, d: DecideDeps) {
  const [source] = config.sources;
  if (!source) throw new Error("the test configuration has a source");
  return decide(config, source, { id: "evt_1", sourceId: "forms" }, payload, d);
}

describe("decide with enrichment", () => {
  it("merges the answer before later routes are evaluated, and the deliveries carry it", async () => {
    const d = deps(() => ({ outcome: "fetched", key: "acme.io", fields: { employees: 5000, country: "Germany", "custom.revenue": 12_000_000 } }));
    const decision = await run(enrichThenSize(), { email: "ada@acme.io", company: "Acme" }, d);
    expect(decision.status).toBe("routed");
    if (decision.status !== "routed") return;
    expect(d.calls).toHaveLength(1);
    // Normalized like a mapping's output: the country name became its code.
    expect(decision.lead).toMatchObject({ employees: 5000, country: "DE", custom: { revenue: 12_000_000 } });
    expect(decision.trace.routes.map((r) => `${r.route}:${r.status}`)).toEqual(["enrich:matched", "enterprise:matched", "rest:skipped"]);
    expect(decision.ownerId).toBe("o-ae");
    expect(decision.deliveries[0]?.delivery.lead).toMatchObject({ employees: 5000, country: "DE" });
    expect(decision.trace.enrichments).toEqual([
      { route: "enrich", enrichment: "company", outcome: "fetched", key: "acme.io", merged: ["employees", "country", "custom.revenue"] },
    ]);
    expect(decision.trace.explain).toContain("enrichment company (acme.io): looked up, set employees, country, custom.revenue");
  });

  it("fills only missing fields unless overwrite is set", async () => {
    const answer = () => ({ outcome: "cached" as const, key: "acme.io", fields: { employees: 5000, country: "FR" } });
    const kept = await run(enrichThenSize(), { email: "ada@acme.io", employees: 20 }, deps(answer));
    expect(kept.status === "routed" && kept.routeId).toBe("enrich");
    expect(kept.status !== "invalid" && kept.lead).toMatchObject({ employees: 20, country: "FR" });
    expect(kept.trace.enrichments?.[0]).toMatchObject({ outcome: "cached", merged: ["country"], kept: ["employees"] });
    expect(kept.trace.routes.map((r) => r.status)).toEqual(["matched", "not_matched", "matched"]);

    const config = enrichThenSize();
    config.enrichments[0] = { ...config.enrichments[0]!, overwrite: true };
    const replaced = await run(config, { email: "ada@acme.io", employees: 20 }, deps(answer));
    expect(replaced.status !== "invalid" && replaced.lead.employees).toBe(5000);
  });

  it.each<[string, EnrichResult | Error]>([
    ["a failed lookup", { outcome: "failed", key: "acme.io", error: "timed out after 2000 ms" }],
    ["a skipped lookup", { outcome: "skipped", reason: "the lead has no company domain" }],
    ["a lookup that throws", new Error("socket hang up")],
  ])("routes on without the fields after %s, and says so in the trace", async (_, answer) => {
    const d = deps(() => {
      if (answer instanceof Error) throw answer;
      return answer;
    });
    const decision = await run(enrichThenSize(), { email: "ada@acme.io" }, d);
    expect(decision.status === "routed" && decision.routeId).toBe("enrich");
    expect(decision.trace.routes.map((r) => r.status)).toEqual(["matched", "not_matched", "matched"]);
    const step = decision.trace.enrichments?.[0];
    if (answer instanceof Error) expect(step).toMatchObject({ outcome: "failed", error: "socket hang up" });
    else expect(step).toMatchObject(answer);
    expect(decision.status !== "invalid" && decision.lead.employees).toBeUndefined();
  });

  it("drops answer values that do not normalize, keeps the rest", async () => {
    const d = deps(() => ({ outcome: "fetched", key: "acme.io", fields: { employees: "lots", country: "DE" } }));
    const decision = await run(enrichThenSize(), { email: "ada@acme.io" }, d);
    expect(decision.trace.enrichments?.[0]?.merged).toEqual(["country"]);
    expect(decision.trace.enrichments?.[0]?.reason).toMatch(/^employees:/);
  });

  it("records an enrichment the configuration does not have, without calling anything", async () => {
    const config = enrichThenSize();
    config.enrichments = [];
    const d = deps(() => ({ outcome: "fetched", key: "x", fields: {} }));
    const decision = await run(config, { email: "ada@acme.io" }, d);
    expect(d.calls).toHaveLength(0);
    expect(decision.trace.enrichments?.[0]).toMatchObject({ outcome: "not_configured" });
  });
});

describe("decide with a split", () => {
  const splitConfig = () =>
    configSchema.parse({
      ...base,
      pools: [
        { id: "ae", members: [{ ownerId: "o-ae" }] },
        { id: "sdr", members: [{ ownerId: "o-sdr" }] },
      ],
      routes: [
        {
          id: "inbound",
          when: { always: true },
          actions: [{ upsert: { destination: "crm" } }],
          split: [
            { arm: "ae-first", weight: 1, actions: [{ assign: { pool: "ae" } }] },
            { arm: "sdr-first", weight: 1, actions: [{ assign: { pool: "sdr" } }] },
          ],
        },
      ],
    });

  it("runs the route's actions, then its arm's, and records the arm", async () => {
    const arms = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const decision = await run(
        splitConfig(),
        { email: `lead${i}@corp.example` },
        deps(() => ({ outcome: "skipped", reason: "-" })),
      );
      if (decision.status !== "routed") throw new Error("expected routed");
      const arm = decision.experiment?.arm ?? "";
      arms.set(`lead${i}`, arm);
      expect(decision.experiment).toEqual({ route: "inbound", arm });
      expect(decision.ownerId).toBe(arm === "ae-first" ? "o-ae" : "o-sdr");
      expect(decision.trace.experiments?.[0]).toMatchObject({ route: "inbound", arm, by: "email", total: 2, weights: { "ae-first": 1, "sdr-first": 1 } });
      expect(decision.trace.actions.map((a) => `${a.action}${a.arm ? `@${a.arm}` : ""}`)).toEqual([`upsert@${arm}`, `assign@${arm}`]);
    }
    expect(new Set(arms.values())).toEqual(new Set(["ae-first", "sdr-first"]));
  });

  it("an unsplit route leaves the event without an experiment", async () => {
    const decision = await run(
      enrichThenSize(),
      { email: "ada@acme.io" },
      deps(() => ({ outcome: "skipped", reason: "-" })),
    );
    expect(decision.status === "routed" && decision.experiment).toBeUndefined();
    expect(decision.trace.experiments).toBeUndefined();
  });
});
