import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { admin, json } from "../admin/helpers";
import { hour, seedDataset, t0, window } from "./dataset";
import { seedExperiment } from "./fixtures";

const db = createDb(env.DB);

interface Percentiles {
  samples: number;
  p50?: number;
}
interface Group {
  leads: number;
  outcomes: Record<string, { leads: number; rate: number | null; timeMs: Percentiles }>;
  webhookToCrmMs: Percentiles;
  timeToFirstOutcomeMs: Percentiles;
  deliveries: { settled: number; failed: number; pending: number; errorRate: number | null };
}
interface StatsBody {
  events: { total: number; byStatus: Record<string, number>; byRoute: Record<string, number> };
  latency: { endToEndMs: Percentiles };
  pendingDeliveries: number;
  kpis: {
    sampledEvents: number;
    byRoute: Record<string, Group>;
    byArm: Record<string, Record<string, Group>>;
    byOwner: Record<string, Group>;
    bySource: Record<string, Group>;
  };
  experiments: {
    experiment: string;
    configured: boolean;
    control: string;
    arms: {
      arm: string;
      control: boolean;
      leads: number;
      outcomes: Record<string, { leads: number; rate: number | null; vsControl: { pValue: number | null; significant: boolean; verdict: string } | null }>;
    }[];
  }[];
}

beforeAll(async () => {
  await seedDataset(db);
  // "pitch": control a 8 of 40 qualified, b 20 of 40 (p = 0.0049, test/kpis/experiments.test.ts).
  await seedExperiment(
    db,
    "pitch",
    [
      { arm: "a", leads: 40, outcomes: { qualified: 8 } },
      { arm: "b", leads: 40, outcomes: { qualified: 20 } },
    ],
    t0 + 20 * 60_000,
  );
  // The configuration lists demo's arms sdr-first first: that one is the control.
  await json(
    await admin("PUT", "/v1/config", {
      body: {
        sources: [{ id: "forms", provider: "none" }],
        routes: [
          {
            id: "demo",
            when: { always: true },
            split: [
              { arm: "sdr-first", weight: 1, actions: [] },
              { arm: "ae-first", weight: 1, actions: [] },
            ],
          },
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
});

async function stats(since: number, until: number): Promise<StatsBody> {
  return json<StatsBody>(await admin("GET", `/v1/stats?since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`));
}

describe("GET /admin/v1/stats", () => {
  it("keeps its existing figures and adds the KPIs", async () => {
    const body = await stats(window.since, window.until);
    // Existing contract: 11 routed events + unmatched, invalid, queued, recorded + 80 pitch leads = 95.
    expect(body.events.total).toBe(95);
    expect(body.events.byRoute).toEqual({ demo: 7, other: 4, pitch: 80 });
    expect(body.latency.endToEndMs.samples).toBeGreaterThan(0);
    // The same hand-computed figures as test/kpis/figures.test.ts, through the API.
    expect(body.kpis.byRoute.demo).toMatchObject({ leads: 6, deliveries: { settled: 9, failed: 3, pending: 1 }, webhookToCrmMs: { samples: 5, p50: 8_000 } });
    expect(body.kpis.byRoute.demo?.outcomes.qualified).toMatchObject({ leads: 4, timeMs: { samples: 4, p50: 30 * 60_000 } });
    expect(body.kpis.byRoute.pitch).toMatchObject({ leads: 80, deliveries: { settled: 0, errorRate: null } });
    expect(body.kpis.byRoute.pitch?.outcomes.qualified?.rate).toBeCloseTo(28 / 80, 12);
    expect(body.kpis.byOwner.unassigned?.leads).toBe(2 + 80);
    expect(body.kpis.bySource.chat?.outcomes.qualified?.leads).toBe(2);
    expect(body.kpis.byArm.pitch?.b?.outcomes.qualified).toMatchObject({ leads: 20, rate: 0.5, timeMs: { samples: 20, p50: hour } });
    expect(body.kpis.sampledEvents).toBe(91);
  });

  it("compares each experiment's arms against the configured control", async () => {
    const body = await stats(window.since, window.until);
    expect(body.experiments.map((e) => [e.experiment, e.control, e.arms.map((a) => a.arm)])).toEqual([
      ["demo", "sdr-first", ["sdr-first", "ae-first"]],
      ["pitch", "a", ["a", "b"]],
    ]);
    const b = body.experiments[1]?.arms[1];
    expect(b?.leads).toBe(40);
    expect(b?.outcomes.qualified?.vsControl).toMatchObject({ significant: true, verdict: "b converts better to qualified than a (50 % vs 20 %, p = 0.005)" });
    expect(b?.outcomes.qualified?.vsControl?.pValue).toBeCloseTo(0.00491, 4);
    expect(body.experiments[0]?.arms[1]?.outcomes.qualified?.vsControl?.verdict).toMatch(/^not enough data yet/);
  });

  it("answers an empty window with empty KPIs", async () => {
    const body = await stats(t0 + 3 * hour, t0 + 4 * hour);
    expect(body.kpis).toEqual({ sampledEvents: 0, byRoute: {}, byArm: {}, byOwner: {}, bySource: {} });
    // Configured experiments still show, with arms at zero.
    expect(body.experiments.map((e) => [e.experiment, e.arms.map((a) => a.leads)])).toEqual([
      ["demo", [0, 0]],
      ["pitch", [0, 0]],
    ]);
  });
});
