import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { admin, json } from "../admin/helpers";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import { insertEvent, seedExperiment } from "./fixtures";

const db = createDb(env.DB);
const day = 86_400_000;
let session = "";

beforeAll(async () => {
  const now = Date.now();
  // Two days ago: inside the default 7-day window, outside the 1-day one.
  // Control a: qualified 8 of 40; b: 20 of 40 → z = 2.813, p = 0.0049 (test/kpis/experiments.test.ts).
  await seedExperiment(
    db,
    "pitch",
    [
      { arm: "a", leads: 40, outcomes: { qualified: 8 } },
      { arm: "b", leads: 40, outcomes: { qualified: 20 } },
    ],
    now - 2 * day,
  );
  // A second experiment with three leads an arm: too few to say anything.
  await seedExperiment(
    db,
    "tiny",
    [
      { arm: "x", leads: 3, outcomes: { won: 1 } },
      { arm: "y", leads: 3 },
    ],
    now - 2 * day + 100_000,
  );
  // A lead of owner 101 (named in the pool) with a failed CRM upsert, an hour ago.
  await insertEvent(db, { lead: "solo", route: "plain", owner: "101", receivedAt: now - 3_600_000 }, [{ action: "upsert", status: "failed" }]);
  await json(
    await admin("PUT", "/v1/config", {
      body: {
        sources: [{ id: "forms", provider: "none" }],
        pools: [{ id: "ae", members: [{ ownerId: "101", name: "Ada Owner" }] }],
        routes: [
          {
            id: "pitch",
            when: { always: true },
            split: [
              { arm: "a", weight: 1, actions: [] },
              { arm: "b", weight: 1, actions: [] },
            ],
          },
        ],
      },
    }),
  );
  ({ session } = await signIn());
});

describe("the KPI page", () => {
  it("shows each experiment's arms side by side with a verdict in plain words", async () => {
    const html = await page(await consoleFetch("GET", "/kpis", { session }));
    const words = text(html);
    expect(html).toContain('<a href="/console/kpis" aria-current="page">KPIs</a>');
    expect(words).toContain("KPIs: leads of the last 7 days");
    // pitch: control first, b with its difference, p-value and badge, and the verdict.
    expect(words).toMatch(/a \(control\) 40 0 \(0 %\) 8 \(20 %\)/);
    expect(words).toMatch(/b 40 0 \(0 %\) ±0 pts, not enough data 20 \(50 %\) \+30 pts, p = 0\.005 significant/);
    expect(words).toContain("1 real difference (p < 0.05): b converts better to qualified than a (50 % vs 20 %, p = 0.005)");
    // tiny: not configured (alphabetical), too few leads.
    expect(words).toContain("tiny (no longer configured: arms in alphabetical order)");
    expect(words).toContain("No real difference yet: keep the experiment running.");
    expect(words).toContain("not enough data yet for won: each arm needs at least 5 leads with and 5 without it");
  });

  it("tables the KPIs per route, arm, owner and source", async () => {
    const words = text(await page(await consoleFetch("GET", "/kpis", { session })));
    // Routes in alphabetical order. pitch: 80 leads, 28 qualified (35 %), outcomes an hour after arrival,
    // no deliveries. plain: one lead, its one delivery failed.
    expect(words).toContain(
      "By route Route Leads Contacted Qualified Meeting booked Won Lost Webhook to CRM p50 First outcome p50 First touch p50 SLA met Delivery errors " +
        "pitch 80 0 (0 %) 28 (35 %) 0 (0 %) 0 (0 %) 0 (0 %) – 60.0 min 60.0 min – – (none settled) plain 1 0 (0 %) 0 (0 %) 0 (0 %) 0 (0 %) 0 (0 %) – – – – 100 % (1 of 1) " +
        "tiny 6 0 (0 %) 0 (0 %) 0 (0 %) 1 (16.7 %) 0 (0 %)",
    );
    expect(words).toMatch(/pitch \/ b 40 0 \(0 %\) 20 \(50 %\)/);
    expect(words).toContain("Ada Owner (101) 1");
    expect(words).toMatch(/unassigned 86 /);
    expect(words).toMatch(/By source Source .* forms 87 /);
  });

  it("narrows to the last day", async () => {
    const words = text(await page(await consoleFetch("GET", "/kpis?days=1", { session })));
    expect(words).toContain("KPIs: leads of the last day");
    // pitch is configured, so it stays, with no leads in either arm.
    expect(words).toMatch(/a \(control\) 0 0 \(–\) 0 \(–\)/);
    expect(words).toContain("not enough data yet for qualified");
    expect(words).not.toContain("tiny");
    expect(words).toMatch(/plain 1 /);
  });
});
