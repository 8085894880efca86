import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { slaTimers } from "../../src/db/schema";
import type { SlaHistoryEntry } from "../../src/db/sla-timers";
import type { GroupKpis } from "../../src/kpis/groups";
import { type KpiReport, kpiReport } from "../../src/kpis/report";
import { admin, json } from "../admin/helpers";
import { consoleFetch, page, signIn, text } from "../console/helpers";
import { insertEvent, insertOutcome } from "./fixtures";

/**
 * Six leads, their SLA clocks and first touches, worked out by hand:
 *
 *  event lead route   arm owner now  SLA history (owner)                               touch
 *  E1    L1   inbound a   101        started 101, met 101                              contacted +5 min
 *  E2    L2   inbound a   102        started 101, missed 101, reassigned → 102,        contacted +20 min
 *                                    started 102, met 102
 *  E3    L3   inbound b   103        started 103, missed 103, escalated                –
 *  E4    L4   inbound b   103        started 103 (running)                             qualified +30 min
 *  E5    L5   other   –   101        no SLA                                            contacted +2 min
 *  E6    L6   inbound a   102        started 104, missed 104, reassigned → 102,        –
 *                                    started 102 (running)
 */

const db = createDb(env.DB);
const min = 60_000;
let report: KpiReport;
let session = "";

async function clock(eventId: string, lead: string, owner: string, startedAt: number, kinds: [SlaHistoryEntry["kind"], string | undefined][]): Promise<void> {
  const history: SlaHistoryEntry[] = kinds.map(([kind, ownerId], i) => ({ at: startedAt + i * min, kind, ...(ownerId ? { ownerId } : {}), note: kind }));
  const last = kinds.at(-1)?.[0];
  await db.insert(slaTimers).values({
    eventId,
    leadId: lead,
    routeId: "inbound",
    poolId: "ae",
    ownerId: owner,
    untilOutcome: "contacted",
    then: "reassign",
    notify: null,
    workingHoursOnly: false,
    withinMs: 15 * min,
    startedAt,
    dueAt: startedAt + 15 * min,
    status: last === "met" ? "met" : last === "escalated" ? "escalated" : "running",
    reassignments: kinds.filter(([kind]) => kind === "reassigned").length,
    history: JSON.stringify(history),
    updatedAt: startedAt,
  });
}

beforeAll(async () => {
  const t0 = Date.now() - 2 * 3_600_000;
  const at = (m: number) => t0 + m * min;
  const inbound = { route: "inbound", experiment: "inbound" };
  const e1 = await insertEvent(db, { lead: "L1", ...inbound, arm: "a", owner: "101", receivedAt: at(0) });
  await clock(e1, "L1", "101", at(0), [
    ["started", "101"],
    ["met", "101"],
  ]);
  await insertOutcome(db, "L1", "contacted", e1, at(5));
  const e2 = await insertEvent(db, { lead: "L2", ...inbound, arm: "a", owner: "102", receivedAt: at(1) });
  await clock(e2, "L2", "102", at(1), [
    ["started", "101"],
    ["missed", "101"],
    ["reassigned", "102"],
    ["started", "102"],
    ["met", "102"],
  ]);
  await insertOutcome(db, "L2", "contacted", e2, at(21));
  const e3 = await insertEvent(db, { lead: "L3", ...inbound, arm: "b", owner: "103", receivedAt: at(2) });
  await clock(e3, "L3", "103", at(2), [
    ["started", "103"],
    ["missed", "103"],
    ["escalated", "103"],
  ]);
  const e4 = await insertEvent(db, { lead: "L4", ...inbound, arm: "b", owner: "103", receivedAt: at(3) });
  await clock(e4, "L4", "103", at(3), [["started", "103"]]);
  await insertOutcome(db, "L4", "qualified", e4, at(33));
  const e5 = await insertEvent(db, { lead: "L5", route: "other", owner: "101", receivedAt: at(4) });
  await insertOutcome(db, "L5", "contacted", e5, at(6));
  const e6 = await insertEvent(db, { lead: "L6", ...inbound, arm: "a", owner: "102", receivedAt: at(5) });
  await clock(e6, "L6", "102", at(5), [
    ["started", "104"],
    ["missed", "104"],
    ["reassigned", "102"],
    ["started", "102"],
  ]);
  report = await kpiReport(db, t0 - min, Date.now());

  await json(
    await admin("PUT", "/v1/config", {
      body: { sources: [{ id: "forms", provider: "none" }], pools: [{ id: "ae", members: [{ ownerId: "101", name: "Ada" }, { ownerId: "102" }] }] },
    }),
  );
  ({ session } = await signIn());
});

function sla(group: GroupKpis | undefined) {
  if (!group) throw new Error("group missing");
  return group.sla;
}

describe("SLA met %", () => {
  it("per route and arm: a lead's SLA is met when its outcome came before any deadline passed", () => {
    // inbound: E1 met; E2, E3, E6 missed (at least once); E4 running → 1 of 4 ended.
    expect(sla(report.kpis.byRoute.inbound)).toEqual({ clocks: 5, met: 1, missed: 3, running: 1, metRate: 1 / 4 });
    // other has no SLA.
    expect(sla(report.kpis.byRoute.other)).toEqual({ clocks: 0, met: 0, missed: 0, running: 0, metRate: null });
    // a: E1 met, E2 and E6 missed. b: E3 missed, E4 running.
    expect(sla(report.kpis.byArm.inbound?.a)).toEqual({ clocks: 3, met: 1, missed: 2, running: 0, metRate: 1 / 3 });
    expect(sla(report.kpis.byArm.inbound?.b)).toEqual({ clocks: 2, met: 0, missed: 1, running: 1, metRate: 0 });
  });

  it("per owner: each owner's own clocks, whoever holds the lead now", () => {
    // 101: met L1, missed L2 (now 102's). 102: met L2 after taking it over, L6 running.
    expect(sla(report.kpis.byOwner["101"])).toEqual({ clocks: 2, met: 1, missed: 1, running: 0, metRate: 0.5 });
    expect(sla(report.kpis.byOwner["102"])).toEqual({ clocks: 2, met: 1, missed: 0, running: 1, metRate: 1 });
    expect(sla(report.kpis.byOwner["103"])).toEqual({ clocks: 2, met: 0, missed: 1, running: 1, metRate: 0 });
    // 104 missed L6 and lost it: no lead of the window is theirs, the miss still counts.
    expect(report.kpis.byOwner["104"]).toMatchObject({ leads: 0, sla: { clocks: 1, met: 0, missed: 1, running: 0, metRate: 0 } });
  });
});

describe("time to first touch", () => {
  it("runs from the lead's arrival to its first contacted or later outcome", () => {
    // inbound: L1 5 min, L2 20 min, L4 30 min (qualified counts as a touch) → p50 = 2nd = 20 min.
    expect(report.kpis.byRoute.inbound?.timeToFirstTouchMs).toMatchObject({ samples: 3, p50: 20 * min, max: 30 * min });
    expect(report.kpis.byRoute.other?.timeToFirstTouchMs).toMatchObject({ samples: 1, p50: 2 * min });
    // Per arm and owner too: a L1, L2 → p50 5 min; owner 103: L4 only.
    expect(report.kpis.byArm.inbound?.a?.timeToFirstTouchMs).toMatchObject({ samples: 2, p50: 5 * min });
    expect(report.kpis.byOwner["103"]?.timeToFirstTouchMs).toMatchObject({ samples: 1, p50: 30 * min });
  });
});

describe("in the stats API and on the console's KPI page", () => {
  it("reports both figures per route, arm and owner", async () => {
    const stats = await json<{ kpis: { byRoute: Record<string, GroupKpis> } }>(await admin("GET", "/v1/stats"));
    expect(stats.kpis.byRoute.inbound?.sla).toEqual({ clocks: 5, met: 1, missed: 3, running: 1, metRate: 0.25 });
    expect(stats.kpis.byRoute.inbound?.timeToFirstTouchMs).toMatchObject({ p50: 20 * min });

    const words = text(await page(await consoleFetch("GET", "/kpis?days=1", { session })));
    expect(words).toContain("First touch p50 SLA met");
    expect(words).toMatch(/inbound 5 .* 20\.0 min 25\.0 % \(1 of 4, 1 running\)/);
    expect(words).toMatch(/inbound \/ a 3 .* 33\.3 % \(1 of 3\)/);
    expect(words).toMatch(/Ada \(101\) 2 .* 50\.0 % \(1 of 2\)/);
    expect(words).toMatch(/104 0 .* 0 % \(0 of 1\)/);
  });
});
