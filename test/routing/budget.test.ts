import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema";
import type { Lead } from "../../src/lead/schema";
import { fitLead, jsonBytes, leadBudgetBytes, traceBudgetBytes } from "../../src/routing/budget";
import { type DecideDeps, decide } from "../../src/routing/decide";

const deps: DecideDeps = {
  findLead: async () => undefined,
  assignOwner: async () => ({ ok: true, ownerId: "o1", reason: "first member", fallback: false, day: "2026-12-06", counts: {} }),
  enrich: async () => ({ outcome: "skipped", reason: "not in this test" }),
};

function config(routes: unknown[]) {
  return configSchema.parse({
    sources: [{ id: "forms", provider: "none", mapping: { email: "email", "custom.notes": "notes", "custom.tags": "tags", "custom.plan": "plan" } }],
    destinations: [{ id: "crm", type: "hubspot", token: "pat-test" }],
    routes,
  });
}

function run(cfg: ReturnType<typeof config>, payload: unknown) {
  const [source] = cfg.sources;
  if (!source) throw new Error("the test configuration has a source");
  return decide(cfg, source, { id: "evt_1", sourceId: "forms" }, payload, deps);
}

describe("fitLead", () => {
  it("leaves a lead within its budget as it is", () => {
    const lead: Lead = { email: "a@example.com", custom: { plan: "pro" } };
    expect(fitLead(lead)).toEqual({ lead, dropped: [] });
  });

  it("drops the largest custom fields first, only as many as needed", () => {
    const lead: Lead = { email: "a@example.com", custom: { small: "s".repeat(10), mid: "m".repeat(600), big: "b".repeat(900) } };
    const fitted = fitLead(lead, 700);
    expect(fitted.dropped).toEqual([{ field: "big", bytes: 902 }]);
    expect(fitted.lead.custom).toEqual({ small: "s".repeat(10), mid: "m".repeat(600) });
    expect(jsonBytes(fitted.lead)).toBeLessThanOrEqual(700);
  });

  it("counts bytes as D1 stores them (UTF-8), not characters", () => {
    const lead: Lead = { custom: { text: "é".repeat(400) } };
    expect(fitLead(lead, 600).dropped.map((d) => d.field)).toEqual(["text"]);
  });
});

describe("decisions within their budgets", () => {
  it("routes on the whole lead, then stores and delivers it trimmed, with a note in the trace", async () => {
    const cfg = config([{ id: "long-notes", when: { field: "custom.notes", op: "contains", value: "zzz" }, actions: [{ upsert: { destination: "crm" } }] }]);
    const decision = await run(cfg, { email: "a@example.com", notes: `${"n".repeat(300_000)}zzz`, plan: "pro" });
    expect(decision.status).toBe("routed");
    if (decision.status !== "routed") return;
    expect(decision.lead.custom).toEqual({ plan: "pro" });
    expect(decision.deliveries[0]?.delivery.lead.custom).toEqual({ plan: "pro" });
    expect(decision.trace.trimmed?.custom).toEqual([{ field: "notes", bytes: 300_005 }]);
    expect(decision.trace.explain.at(-1)).toContain("dropped custom.notes (300005 bytes)");
    expect(jsonBytes(decision.trace)).toBeLessThanOrEqual(traceBudgetBytes);
  });

  it("keeps an unmatched lead within budget too", async () => {
    const decision = await run(config([]), { email: "a@example.com", tags: Array.from({ length: 20_000 }, (_, i) => `tag-${i}`) });
    expect(decision.status).toBe("unmatched");
    if (decision.status === "invalid") return;
    expect(jsonBytes(decision.lead)).toBeLessThanOrEqual(leadBudgetBytes);
    expect(decision.trace.trimmed?.custom?.map((d) => d.field)).toEqual(["tags"]);
  });

  it("cuts the trace of a configuration with thousands of routes, keeping the matched ones and counting the rest", async () => {
    const routes = Array.from({ length: 5000 }, (_, i) => ({
      id: `r${i}`,
      when: { field: "custom.plan", op: "eq", value: i === 4321 ? "pro" : `plan-${i}` },
      actions: [{ upsert: { destination: "crm" } }],
    }));
    const decision = await run(config(routes), { email: "a@example.com", plan: "pro" });
    expect(decision.status).toBe("routed");
    if (decision.status !== "routed") return;
    expect(decision.routeId).toBe("r4321");
    expect(jsonBytes(decision.trace)).toBeLessThanOrEqual(traceBudgetBytes);
    expect(decision.trace.routes.some((r) => r.route === "r4321" && r.status === "matched")).toBe(true);
    const trimmed = decision.trace.trimmed?.routes ?? 0;
    expect(trimmed).toBeGreaterThan(0);
    expect(decision.trace.routes.length + trimmed).toBe(5000);
    expect(decision.trace.explain.at(-1)).toMatch(/^trace trimmed to stay under its 128 KiB budget: left out \d+ routes/);
  });
});
