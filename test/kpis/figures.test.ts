import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import type { GroupKpis } from "../../src/kpis/groups";
import { type KpiReport, kpiReport } from "../../src/kpis/report";
import { hour, min, seedDataset, t0, window } from "./dataset";

/** The data set and its table: dataset.ts. Every figure below is worked out by hand from it. */

const db = createDb(env.DB);
let report: KpiReport;

/** Leads and outcome counts of a group, in qualified / meeting_booked / won / lost order. */
function conversions(group: GroupKpis | undefined) {
  if (!group) throw new Error("group missing");
  return [group.leads, group.outcomes.qualified.leads, group.outcomes.meeting_booked.leads, group.outcomes.won.leads, group.outcomes.lost.leads];
}

beforeAll(async () => {
  await seedDataset(db);
  report = await kpiReport(db, window.since, window.until);
});

describe("KPIs per route", () => {
  it("counts distinct leads and credited outcomes", () => {
    // demo: E1–E6 and E11 → L1…L6 = 6 leads (L1 twice, counted once).
    // qualified L1 (E11), L2, L3, L4 = 4; meeting_booked L1 (E1), L4 = 2; won L2 = 1; lost L5 = 1.
    expect(conversions(report.kpis.byRoute.demo)).toEqual([6, 4, 2, 1, 1]);
    expect(report.kpis.byRoute.demo?.outcomes.qualified.rate).toBeCloseTo(4 / 6, 12);
    expect(report.kpis.byRoute.demo?.outcomes.lost.rate).toBeCloseTo(1 / 6, 12);
    // other: L7–L10 = 4; qualified L7, L10 = 2 (0.5); won L7 (0.25); lost L8 (0.25).
    expect(conversions(report.kpis.byRoute.other)).toEqual([4, 2, 0, 1, 1]);
    expect(report.kpis.byRoute.other?.outcomes.qualified.rate).toBe(0.5);
    expect(report.kpis.byRoute.other?.outcomes.meeting_booked.rate).toBe(0);
    // E0 is before the window, the others are not routed: nothing else.
    expect(Object.keys(report.kpis.byRoute).sort()).toEqual(["demo", "other"]);
  });

  it("measures delivery errors over settled deliveries, pending left out", () => {
    // demo: succeeded E1×2, E2, E3 upsert, E4, E11 = 6; failed E3 notify + dead E5×2 = 3;
    // settled 9, error rate 3/9; pending E6 = 1.
    expect(report.kpis.byRoute.demo?.deliveries).toEqual({ settled: 9, failed: 3, pending: 1, errorRate: 3 / 9 });
    // other: succeeded E7×2, E8, E9 = 4; failed E10 = 1; 1/5 = 0.2.
    expect(report.kpis.byRoute.other?.deliveries).toEqual({ settled: 5, failed: 1, pending: 0, errorRate: 0.2 });
  });

  it("times webhook to CRM by the first successful upsert attempt", () => {
    // demo: E1 12 s (the retry at 5 s does not count), E2 3 s, E3 8 s, E4 4 s, E11 20 s; E5 and E6 none.
    // Sorted 3, 4, 8, 12, 20 s: p50 = 3rd (⌈0.5·5⌉) = 8 s, p90 = 5th (⌈4.5⌉) = 20 s.
    expect(report.kpis.byRoute.demo?.webhookToCrmMs).toMatchObject({ samples: 5, p50: 8_000, p90: 20_000, max: 20_000 });
    // other: E7 2 s, E8 6 s; E9 only notified (no CRM), E10 failed. p50 = 1st = 2 s, p90 = 2nd = 6 s.
    expect(report.kpis.byRoute.other?.webhookToCrmMs).toMatchObject({ samples: 2, p50: 2_000, p90: 6_000 });
  });

  it("times the first outcome per lead, from the event credited with it", () => {
    // demo: L1 meeting_booked 5 min after E1 (earlier than its qualified, 60 min after E11),
    // L2 120 min, L3 30 min, L4 10 min, L5 60 min. Sorted 5, 10, 30, 60, 120: p50 = 30 min.
    expect(report.kpis.byRoute.demo?.timeToFirstOutcomeMs).toMatchObject({ samples: 5, p50: 30 * min, max: 120 * min });
    // demo qualified: L1 60, L2 120, L3 30, L4 10 min → sorted 10, 30, 60, 120: p50 = 2nd = 30 min.
    expect(report.kpis.byRoute.demo?.outcomes.qualified.timeMs).toMatchObject({ samples: 4, p50: 30 * min });
    // other: L7 20, L8 15, L10 50 min → p50 = 20 min.
    expect(report.kpis.byRoute.other?.timeToFirstOutcomeMs).toMatchObject({ samples: 3, p50: 20 * min });
    expect(report.kpis.sampledEvents).toBe(11);
  });
});

describe("KPIs per arm, owner and source", () => {
  it("splits the experiment by arm", () => {
    // ae-first: E1, E2, E3, E11 → L1, L2, L3; qualified 3 (1.0), meeting L1, won L2, lost 0.
    const ae = report.kpis.byArm.demo?.["ae-first"];
    expect(conversions(ae)).toEqual([3, 3, 1, 1, 0]);
    expect(ae?.outcomes.qualified.rate).toBe(1);
    // succeeded E1×2, E2, E3, E11 = 5, failed E3 notify = 1: 1/6.
    expect(ae?.deliveries).toEqual({ settled: 6, failed: 1, pending: 0, errorRate: 1 / 6 });
    // CRM 12, 3, 8, 20 s → sorted 3, 8, 12, 20: p50 = 8 s.
    expect(ae?.webhookToCrmMs).toMatchObject({ samples: 4, p50: 8_000 });
    // sdr-first: E4, E5, E6 → L4, L5, L6; qualified L4, meeting L4, lost L5.
    const sdr = report.kpis.byArm.demo?.["sdr-first"];
    expect(conversions(sdr)).toEqual([3, 1, 1, 0, 1]);
    // succeeded E4 = 1, dead E5×2: 2/3; E6 pending.
    expect(sdr?.deliveries).toEqual({ settled: 3, failed: 2, pending: 1, errorRate: 2 / 3 });
    expect(sdr?.webhookToCrmMs).toMatchObject({ samples: 1, p50: 4_000 });
    // Routes without a split have no arm.
    expect(Object.keys(report.kpis.byArm)).toEqual(["demo"]);
  });

  it("groups by owner, leads without one as unassigned", () => {
    // 101: E1, E2, E7, E10, E11 → L1, L2, L7, L10; qualified all 4; meeting L1; won L2, L7.
    expect(conversions(report.kpis.byOwner["101"])).toEqual([4, 4, 1, 2, 0]);
    // succeeded E1×2, E2, E7×2, E11 = 6, failed E10 = 1: 1/7.
    expect(report.kpis.byOwner["101"]?.deliveries).toEqual({ settled: 7, failed: 1, pending: 0, errorRate: 1 / 7 });
    // CRM 12, 3, 2, 20 s → sorted 2, 3, 12, 20: p50 = 3 s. First outcomes 5, 120, 20, 50 min → p50 = 20 min.
    expect(report.kpis.byOwner["101"]?.webhookToCrmMs).toMatchObject({ samples: 4, p50: 3_000 });
    expect(report.kpis.byOwner["101"]?.timeToFirstOutcomeMs).toMatchObject({ samples: 4, p50: 20 * min });
    // 102: E3, E4, E5, E8 → 4 leads; qualified L3, L4; meeting L4; lost L5, L8.
    expect(conversions(report.kpis.byOwner["102"])).toEqual([4, 2, 1, 0, 2]);
    // succeeded E3, E4, E8 = 3; failed E3 notify, dead E5×2 = 3: 0.5.
    expect(report.kpis.byOwner["102"]?.deliveries).toEqual({ settled: 6, failed: 3, pending: 0, errorRate: 0.5 });
    // unassigned: E6, E9 → L6, L9; no outcomes; E9's notify succeeded, E6 pending; no CRM time.
    const none = report.kpis.byOwner.unassigned;
    expect(conversions(none)).toEqual([2, 0, 0, 0, 0]);
    expect(none?.deliveries).toEqual({ settled: 1, failed: 0, pending: 1, errorRate: 0 });
    expect(none?.webhookToCrmMs).toEqual({ samples: 0 });
    expect(none?.timeToFirstOutcomeMs).toEqual({ samples: 0 });
  });

  it("groups by source, crediting an outcome only to the group of its event", () => {
    // forms: E1, E2, E4, E6, E7, E10 → L1, L2, L4, L6, L7, L10 = 6. L1's qualified is credited
    // to E11 (chat), so forms counts qualified L2, L4, L7, L10 = 4; meeting L1 (E1), L4 = 2; won L2, L7.
    expect(conversions(report.kpis.bySource.forms)).toEqual([6, 4, 2, 2, 0]);
    // succeeded E1×2, E2, E4, E7×2 = 6; failed E10 = 1: 1/7; pending E6.
    expect(report.kpis.bySource.forms?.deliveries).toEqual({ settled: 7, failed: 1, pending: 1, errorRate: 1 / 7 });
    // CRM 12, 3, 4, 2 s → sorted 2, 3, 4, 12: p50 = 3 s. First outcomes L1 5, L2 120, L4 10, L7 20, L10 50 min → p50 = 20 min.
    expect(report.kpis.bySource.forms?.webhookToCrmMs).toMatchObject({ samples: 4, p50: 3_000 });
    expect(report.kpis.bySource.forms?.timeToFirstOutcomeMs).toMatchObject({ samples: 5, p50: 20 * min });
    // chat: E3, E5, E8, E9, E11 → L3, L5, L8, L9, L1 = 5; qualified L3, L1 (E11) = 2 (0.4); lost L5, L8 (0.4).
    expect(conversions(report.kpis.bySource.chat)).toEqual([5, 2, 0, 0, 2]);
    expect(report.kpis.bySource.chat?.outcomes.qualified.rate).toBeCloseTo(0.4, 12);
    // succeeded E3, E8, E9, E11 = 4; failed E3 notify, dead E5×2 = 3: 3/7.
    expect(report.kpis.bySource.chat?.deliveries).toEqual({ settled: 7, failed: 3, pending: 0, errorRate: 3 / 7 });
    // First outcomes: L1 60 min (qualified via E11; its meeting is credited to E1, a forms event), L3 30, L5 60, L8 15
    // → sorted 15, 30, 60, 60: p50 = 2nd = 30 min.
    expect(report.kpis.bySource.chat?.timeToFirstOutcomeMs).toMatchObject({ samples: 4, p50: 30 * min });
    // The outcome source's own event is not a lead.
    expect(report.kpis.bySource["crm-outcomes"]).toBeUndefined();
  });
});

describe("experiments", () => {
  it("puts the arms side by side, alphabetical without a configuration, and says when data is too thin", () => {
    expect(report.experiments).toHaveLength(1);
    const [demo] = report.experiments;
    expect(demo).toMatchObject({ experiment: "demo", configured: false, control: "ae-first" });
    expect(demo?.arms.map((a) => [a.arm, a.control, a.leads])).toEqual([
      ["ae-first", true, 3],
      ["sdr-first", false, 3],
    ]);
    const qualified = demo?.arms[1]?.outcomes.qualified;
    // 1/3 against 3/3: difference −2/3, but 3 leads an arm is far below 5 with and 5 without.
    expect(qualified?.rate).toBeCloseTo(1 / 3, 12);
    expect(qualified?.vsControl).toMatchObject({ enoughData: false, pValue: null, significant: false });
    expect(qualified?.vsControl?.difference).toBeCloseTo(-2 / 3, 12);
    expect(qualified?.vsControl?.verdict).toMatch(/^not enough data yet for qualified/);
    expect(demo?.arms[0]?.outcomes.qualified.vsControl).toBeNull();
  });

  it("follows the configuration's arm order for the control", async () => {
    const configured = await kpiReport(db, window.since, window.until, [
      {
        id: "demo",
        when: { always: true },
        actions: [],
        continue: false,
        split: [
          { arm: "sdr-first", weight: 1, actions: [] },
          { arm: "ae-first", weight: 1, actions: [] },
        ],
      },
    ]);
    expect(configured.experiments[0]).toMatchObject({ configured: true, control: "sdr-first" });
    expect(configured.experiments[0]?.arms.map((a) => a.arm)).toEqual(["sdr-first", "ae-first"]);
  });

  it("is empty for a window without leads", async () => {
    const empty = await kpiReport(db, t0 + 2 * hour, t0 + 3 * hour);
    expect(empty).toEqual({ kpis: { sampledEvents: 0, byRoute: {}, byArm: {}, byOwner: {}, bySource: {} }, experiments: [] });
  });
});
